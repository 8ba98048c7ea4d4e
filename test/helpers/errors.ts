/** The error of a given class that fn throws (or its promise rejects with); fails the test otherwise. */
export async function caught<E extends Error>(ctor: new (...args: never[]) => E, fn: () => unknown): Promise<E> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ctor) return err;
    throw err;
  }
  throw new Error(`expected a ${ctor.name}`);
}
