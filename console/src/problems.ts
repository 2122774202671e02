// Refusals (application/problem+json) as messages per field, so each one is shown next to the field
// it names, in the program's words (the rule's message); what names no field is shown for the form.
import type { Problem } from './api/client';

export interface FieldErrors {
  /** Dotted field path → messages. */
  fields: Record<string, string[]>;
  /** Messages that name no field of the form. */
  form: string[];
}

export const NO_ERRORS: FieldErrors = { fields: {}, form: [] };

/** Splits a problem into field messages; `known` are the form's field names (others go to the form). */
export function fieldErrors(problem: Problem | undefined, known: readonly string[]): FieldErrors {
  if (!problem) return NO_ERRORS;
  const fields: Record<string, string[]> = {};
  const form: string[] = [];
  const add = (field: string, message: string) => {
    const name = known.find((k) => field === k || field.startsWith(`${k}.`) || field.startsWith(`${k}[`));
    if (name) (fields[name] ??= []).push(message);
    else form.push(`${field}: ${message}`);
  };
  for (const rule of problem.rules ?? []) {
    if (rule.fields?.length) rule.fields.forEach((field) => add(field, rule.message));
    else form.push(rule.message);
  }
  for (const error of problem.errors ?? []) add(error.field, error.message);
  const named = new Set([
    ...(problem.rules ?? []).flatMap((r) => r.fields ?? []),
    ...(problem.errors ?? []).map((e) => e.field),
  ]);
  for (const field of problem.fields ?? []) if (!named.has(field)) add(field, problem.detail ?? problem.title);
  if (!problem.rules?.length && !problem.errors?.length && !problem.fields?.length)
    form.push(problem.detail ?? problem.title);
  return { fields, form };
}

/** A problem from an answer that may not be JSON (a proxy's error page, a network failure). */
export function problemOf(error: unknown, response?: Response): Problem {
  if (error && typeof error === 'object' && 'title' in error) return error as Problem;
  const status = response?.status ?? 0;
  return { type: 'about:blank', title: status ? `HTTP ${status}` : 'The API did not answer', status };
}
