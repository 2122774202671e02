// The worker's health check (Docker HEALTHCHECK, Kubernetes probe): healthy only while the worker polls Temporal for workflow and activity tasks.
// Reads the worker's own Prometheus endpoint (WORKER_METRICS_PORT): the SDK's temporal_num_pollers
// gauge per poller type. The endpoint answers as soon as the process starts, before it reaches
// Temporal, so "the endpoint answers" alone would be green too early.
//   node dist/worker/healthcheck.js      exit 0 healthy, 1 not (the reason on stderr)

const POLLER_TYPES = ['workflow_task', 'activity_task'] as const;

/** Pollers per type in a Prometheus text exposition (summed over task queues). */
export function pollersByType(metrics: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of metrics.split('\n')) {
    const match = /^temporal_num_pollers\{([^}]*)\}\s+([0-9.eE+-]+)/.exec(line);
    const type = match && /poller_type="([^"]+)"/.exec(match[1])?.[1];
    if (type) counts[type] = (counts[type] ?? 0) + Number(match[2]);
  }
  return counts;
}

/** Why the worker is not healthy, or undefined when it polls both kinds of task. */
export async function unhealthyReason(port: number, timeoutMs = 3_000): Promise<string | undefined> {
  let text: string;
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return `metrics endpoint answered ${res.status}`;
    text = await res.text();
  } catch (err) {
    return `metrics endpoint on port ${port} not reachable (${(err as Error).message})`;
  }
  const pollers = pollersByType(text);
  const idle = POLLER_TYPES.filter((type) => !(pollers[type] > 0));
  return idle.length ? `not polling: ${idle.join(', ')}` : undefined;
}

if (require.main === module) {
  const port = Number(process.env.WORKER_METRICS_PORT ?? 9464);
  unhealthyReason(port).then(
    (reason) => {
      if (reason) console.error(`worker unhealthy: ${reason}`);
      process.exit(reason ? 1 : 0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
