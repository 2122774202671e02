// Form state, submission and refusals for one API action: busy while sending, the refusal split by field.
import { useState } from 'react';
import type { Problem } from '../api/client';
import { fieldErrors, NO_ERRORS, problemOf, type FieldErrors } from '../problems';

export interface ActionResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

export function useAction<T>(fieldNames: readonly string[]) {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>(NO_ERRORS);
  const [problem, setProblem] = useState<Problem | undefined>();
  async function run(send: () => Promise<ActionResult<T>>): Promise<T | undefined> {
    setBusy(true);
    setErrors(NO_ERRORS);
    setProblem(undefined);
    try {
      const result = await send();
      if (result.response.ok) return result.data ?? ({} as T);
      const p = problemOf(result.error, result.response);
      setProblem(p);
      setErrors(fieldErrors(p, fieldNames));
      return undefined;
    } catch (err) {
      const p = problemOf(undefined);
      p.detail = (err as Error).message;
      setProblem(p);
      setErrors({ fields: {}, form: [`The API did not answer: ${(err as Error).message}`] });
      return undefined;
    } finally {
      setBusy(false);
    }
  }
  return { busy, errors, problem, run };
}
