import { en } from './en';
import { it } from './it';
import { ptBR } from './pt-BR';

export type MessageCode = keyof typeof en;
/** A catalogue of a language: a text for every code of the English one (the compiler checks completeness). */
export type Catalogue = Readonly<Record<MessageCode, string>>;

/** One catalogue per supported language, each in its own folder. */
export const CATALOGUES = { en, 'pt-BR': ptBR, it } as const satisfies Record<string, Catalogue>;
