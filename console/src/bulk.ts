// Runs the same API call for many engagements, a few at a time, reporting each item's result as it lands.
export interface ItemResult {
  voucherId: string;
  ok: boolean;
  detail: string;
}

export async function runBounded(
  voucherIds: readonly string[],
  limit: number,
  call: (voucherId: string) => Promise<ItemResult>,
  onResult: (result: ItemResult) => void,
): Promise<ItemResult[]> {
  const results: ItemResult[] = [];
  let next = 0;
  async function lane(): Promise<void> {
    while (next < voucherIds.length) {
      const voucherId = voucherIds[next++];
      let result: ItemResult;
      try {
        result = await call(voucherId);
      } catch (err) {
        result = { voucherId, ok: false, detail: `no answer: ${(err as Error).message}` };
      }
      results.push(result);
      onResult(result);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, voucherIds.length) }, lane));
  return results;
}

/** A result line from an API answer: the refusal's rule messages or the status reached. */
export async function resultOf(voucherId: string, response: Response): Promise<ItemResult> {
  const body = (await response.json().catch(() => ({}))) as {
    status?: string | number;
    title?: string;
    detail?: string;
    rules?: { message: string }[];
  };
  if (response.ok)
    return {
      voucherId,
      ok: true,
      detail: typeof body.status === 'string' ? `accepted, now ${body.status}` : 'accepted',
    };
  const why = body.rules?.map((r) => r.message).join('; ') || body.detail || body.title || `HTTP ${response.status}`;
  return { voucherId, ok: false, detail: `refused (${response.status}): ${why}` };
}
