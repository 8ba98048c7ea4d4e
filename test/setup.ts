/** Runs in every test file (vitest setupFiles): no child process outlives the file that started it. */
import { afterAll } from 'vitest';
import { stopAllChildren } from './helpers/process.js';

afterAll(() => stopAllChildren());
