import { render, type MessageCode, type MessageParams } from '@mkt/messages';

/**
 * The text of the status view's step messages. The view keeps each message by code (libs/messages) with
 * its parameters, and its English text; the status route renders the code in the reader's language
 * (`Accept-Language`, else the offer's notification language). Only the text changes with the language:
 * levels, codes, fields and the shape of the response do not.
 */

/** A message inside a message (a field problem's, a certification check's, a stage's reason), by code. */
export interface SaidPart {
  code: string;
  params: Record<string, string | number>;
}

/** A step message's text by code: the English text, the code, its parameters and its parts. */
export interface Said {
  text: string;
  messageCode: string;
  params: Record<string, string | number>;
  parts?: Record<string, SaidPart>;
}

function paramsIn(language: string, params: MessageParams, parts: Readonly<Record<string, SaidPart>> | undefined): MessageParams {
  if (!parts) return params;
  const rendered: Record<string, string | number> = { ...params };
  for (const [name, part] of Object.entries(parts)) rendered[name] = render(part.code, part.params, language);
  return rendered;
}

/** A step message by code, with its English text. */
export function say(code: MessageCode, params: Record<string, string | number> = {}, parts?: Record<string, SaidPart>): Said {
  return { text: render(code, paramsIn('en', params, parts), 'en'), messageCode: code, params, ...(parts ? { parts } : {}) };
}

/** The text of a step message in a language; its stored text when it has no code (views projected before codes). */
export function stepMessageText(
  message: { text: string; messageCode?: string; params?: Record<string, string | number>; parts?: Record<string, SaidPart> },
  language: string,
): string {
  if (!message.messageCode) return message.text;
  return render(message.messageCode, paramsIn(language, message.params ?? {}, message.parts), language);
}

/** A step's name in a language. */
export function stepNameText(stepId: string, language: string): string {
  return render(`step.${stepId}`, {}, language);
}
