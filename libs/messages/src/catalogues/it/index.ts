import { certification } from './certification';
import { packaging } from './packaging';
import { status } from './status';
import { validation } from './validation';

export const it = { ...status, ...validation, ...certification, ...packaging };
