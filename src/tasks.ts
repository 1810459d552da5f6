import type { AnyTask } from './platform/jobs/task.js';

/** Every task the worker runs. Domains add their task definitions here. */
export const allTasks: readonly AnyTask[] = [];
