import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { PUBLISHING_STEPS } from '@mkt/events';
import { render } from '@mkt/messages';
import { DEFAULT_LANGUAGE, MAIL_TEMPLATES, type MailModel, type MailTemplate } from '../domain';

export const TEMPLATES_DIR = join(__dirname, '..', 'templates');

/**
 * What one language folder says besides its templates: the locale of dates. Step names and every message
 * of the stages come from libs/messages (`{{step id}}`, `{{msg code params text}}`).
 */
export interface LanguageStrings {
  /** Locale for dates (Intl), e.g. `pt-BR`. */
  locale: string;
}

/** The template files of one language folder, by name without `.hbs` (`failed.html`, `_layout.html`). */
export interface LanguageSources {
  strings: LanguageStrings;
  files: Record<string, string>;
}

export type TemplateSources = Record<string, LanguageSources>;

/** Reads src/templates (dist/templates once built): one folder per language, each a complete set. */
export function loadTemplateSources(dir = TEMPLATES_DIR): TemplateSources {
  const sources: TemplateSources = {};
  for (const language of readdirSync(dir)) {
    const folder = join(dir, language);
    if (!statSync(folder).isDirectory()) continue;
    const stringsFile = join(folder, 'strings.json');
    if (!existsSync(stringsFile)) throw new Error(`templates for "${language}": ${stringsFile} is missing`);
    const files: Record<string, string> = {};
    for (const name of readdirSync(folder)) {
      if (name.endsWith('.hbs')) files[name.slice(0, -'.hbs'.length)] = readFileSync(join(folder, name), 'utf8');
    }
    sources[language] = { strings: JSON.parse(readFileSync(stringsFile, 'utf8')) as LanguageStrings, files };
  }
  return sources;
}

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

type Compiled = Record<MailTemplate, { subject: HandlebarsTemplateDelegate; html: HandlebarsTemplateDelegate; text: HandlebarsTemplateDelegate }>;

/**
 * Renders e-mails from the templates of their language. HTML templates escape every `{{value}}` (so an
 * offer title cannot inject markup: templates must never use `{{{ }}}` for publisher text); subject and
 * text parts are plain text and are not HTML-escaped. Every language is compiled and checked at start-up.
 */
export class MailRenderer {
  private readonly compiled = new Map<string, Compiled>();

  constructor(sources: TemplateSources) {
    if (!sources[DEFAULT_LANGUAGE]) throw new Error(`templates: the default language "${DEFAULT_LANGUAGE}" is missing`);
    for (const [language, { strings, files }] of Object.entries(sources)) {
      const tripleStash = Object.entries(files).find(([, source]) => source.includes('{{{'));
      if (tripleStash) throw new Error(`templates/${language}/${tripleStash[0]}.hbs uses {{{ }}}: unescaped output is not allowed`);
      const html = environment(language, strings);
      const text = environment(language, strings);
      for (const [name, source] of Object.entries(files)) {
        const partial = /^_(.+)\.(html|text)$/.exec(name);
        if (partial) (partial[2] === 'html' ? html : text).registerPartial(partial[1], source);
      }
      const set = {} as Compiled;
      for (const template of MAIL_TEMPLATES) {
        const part = (kind: 'subject' | 'html' | 'text') => {
          const source = files[`${template}.${kind}`];
          if (source === undefined) throw new Error(`templates/${language}/${template}.${kind}.hbs is missing`);
          return kind === 'html' ? html.compile(source) : text.compile(source, { noEscape: true });
        };
        set[template] = { subject: part('subject'), html: part('html'), text: part('text') };
      }
      this.compiled.set(language, set);
    }
  }

  get languages(): string[] {
    return [...this.compiled.keys()];
  }

  render(model: MailModel): RenderedMail {
    const set = this.compiled.get(model.language) ?? this.compiled.get(DEFAULT_LANGUAGE)!;
    const templates = set[model.template];
    const context = { ...model.values, language: model.language, processSteps: PUBLISHING_STEPS.map((s) => s.id) };
    const subject = oneLine(templates.subject(context));
    return { subject, html: templates.html({ ...context, subject }), text: `${templates.text(context).trim()}\n` };
  }
}

function environment(language: string, strings: LanguageStrings): typeof Handlebars {
  const env = Handlebars.create();
  const dates = new Intl.DateTimeFormat(strings.locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
  env.registerHelper('step', (id: unknown) => render(`step.${String(id)}`, {}, language));
  /**
   * `{{msg code params text}}`: a stage's message in the mail's language, by its code and parameters;
   * its English text when the event carried no code (events written before codes were upcast to `text`).
   */
  env.registerHelper('msg', (code: unknown, params: unknown, text: unknown) => {
    if (typeof code !== 'string' || !code) return typeof text === 'string' ? text : '';
    const values = params !== null && typeof params === 'object' ? (params as Record<string, string | number>) : {};
    return render(code, values, language);
  });
  env.registerHelper('time', (iso: unknown) => {
    const date = new Date(String(iso));
    return Number.isNaN(date.getTime()) ? String(iso) : `${dates.format(date)} UTC`;
  });
  env.registerHelper('add', (a: unknown, b: unknown) => Number(a) + Number(b));
  return env;
}

/** A subject is one header line: no line breaks a value could smuggle in, no runs of blanks. */
function oneLine(value: string): string {
  return (
    value
      // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replace(/\s{2,}/g, ' ')
      .trim()
  );
}
