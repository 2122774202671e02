// Where the Temporal UI is, for the operator's links (kept in this browser; npm start's UI by default).
export interface TemporalUi {
  baseUrl: string;
  namespace: string;
}

const KEY = 'planning-services-console.temporal-ui';
export const DEFAULT_TEMPORAL_UI: TemporalUi = { baseUrl: 'http://localhost:8233', namespace: 'default' };

export function loadTemporalUi(): TemporalUi {
  try {
    return { ...DEFAULT_TEMPORAL_UI, ...(JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<TemporalUi>) };
  } catch {
    return DEFAULT_TEMPORAL_UI;
  }
}

export function saveTemporalUi(ui: TemporalUi): void {
  localStorage.setItem(KEY, JSON.stringify(ui));
}

export function temporalWorkflowUrl(ui: TemporalUi, workflowId: string): string {
  return `${ui.baseUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
