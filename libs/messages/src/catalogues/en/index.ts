import { certification } from './certification';
import { packaging } from './packaging';
import { status } from './status';
import { validation } from './validation';

/** English: the reference catalogue. Every other language has exactly its codes. */
export const en = { ...status, ...validation, ...certification, ...packaging } as const;
