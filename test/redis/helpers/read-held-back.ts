import type { Redis } from 'ioredis';

/**
 * Make `client` read the keys again, as its 'ready' after a reconnect does, with the answer
 * to that read's SCAN (which finds the keys) or MGET (which reads them) held back. The
 * command itself runs at once: its answer is what Redis held before anything the test
 * does next. Resolves once Redis answered, with the function that lets the answer through.
 */
export async function readHeldBack(client: Redis, command: 'scan' | 'mget'): Promise<() => void> {
  const target = client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const original = target[command]!;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let answered!: () => void;
  const answer = new Promise<void>((resolve) => (answered = resolve));
  target[command] = async (...args: unknown[]) => {
    delete target[command];
    const result = await original.apply(client, args);
    answered();
    await released;
    return result;
  };
  client.emit('ready');
  await answer;
  return release;
}
