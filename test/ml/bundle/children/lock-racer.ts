/**
 * A process racing for MODEL_DIR's lock (test/ml/bundle/lock.test.ts). With an argument: takes the lock
 * of that directory, prints "held <pid>" and kills itself with SIGKILL, leaving the lock behind as a
 * crashed server would. Without: on each IPC message {dir}, tries to take the lock (never releasing it)
 * and answers {held, holder}.
 */
import { LockBusyError, TrainingLock } from '../../../../src/ml/bundle/lock.js';

const dir = process.argv[2];
if (dir !== undefined) {
  try {
    const lock = await TrainingLock.acquire(dir, 'train');
    process.stdout.write(`held ${lock.info.pid}\n`, () => process.kill(process.pid, 'SIGKILL'));
  } catch (err) {
    process.stdout.write(`busy ${(err as Error).message}\n`, () => process.exit(3));
  }
} else {
  process.on('message', async ({ dir: raceDir }: { dir: string }) => {
    try {
      const lock = await TrainingLock.acquire(raceDir, 'train');
      process.send!({ held: true, token: lock.info.token });
    } catch (err) {
      process.send!({ held: false, busy: err instanceof LockBusyError, message: (err as Error).message });
    }
  });
  process.send!({ ready: true });
}
