// Polls a reading in tests until it shows what the test waits for, with a bounded number of attempts.

/**
 * Reads up to `attempts` times, `intervalMs` apart, until `until` holds for a defined reading; returns that reading,
 * or undefined when it never came (the test's own assertion then fails).
 */
export async function pollFor<T>(options: {
  read: () => Promise<T | undefined>;
  until: (value: T) => boolean;
  attempts: number;
  intervalMs: number;
}): Promise<T | undefined> {
  for (let attempt = 0; attempt < options.attempts; attempt++) {
    const value = await options.read();
    if (value !== undefined && options.until(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
  return undefined;
}
