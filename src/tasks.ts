import { createMailTask } from './mail/mail.task.js';
import type { Mailer } from './mail/mailer.js';
import type { AnyTask } from './platform/jobs/task.js';

/** What task handlers need at run time; built once per worker process in server.ts. */
export interface TaskDependencies {
  secretKey: string;
  mailer: Mailer;
}

/** Every task the worker runs. Domains add their task definitions here. */
export function buildTasks(deps: TaskDependencies): readonly AnyTask[] {
  return [createMailTask({ mailer: deps.mailer, secretKey: deps.secretKey })];
}
