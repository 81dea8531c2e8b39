/**
 * Runs `attempt` until it stops throwing and returns its value. After `timeoutMs` it rethrows
 * the last error, so a failing end-to-end test shows what it last saw rather than a bare
 * timeout. For effects that arrive on a schedule: polling ends as soon as they do, where a
 * fixed sleep would be too short on a loaded machine or needlessly long on a fast one.
 */
export async function pollUntil<T>(
  attempt: () => Promise<T>,
  { timeoutMs = 60_000, everyMs = 500 }: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() + everyMs > deadline) {
        throw error;
      }
    }
    await new Promise(resolve => setTimeout(resolve, everyMs));
  }
}
