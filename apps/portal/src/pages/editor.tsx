import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiProblem, call, offerPath, versioned } from '../api';
import { ErrorNote, Link, useApp } from '../app';
import { LANGUAGES } from '../i18n';
import { allowedValues, maxLength, prerequisiteRules, type RuleData } from '../rules';
import { OfferTabs } from './tabs';
import { PublishDialog } from './publish';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Draft = Record<string, any>;
export interface Problem {
  path: string;
  code: string;
  message: string;
}

const SECRET_REF = /secret-ref\.[A-Za-z0-9_-]+/;
const SECRET_PATHS = ['leadDestination.https.authorization', 'leadDestination.azureTable.connectionString'] as const;
type SecretPath = (typeof SECRET_PATHS)[number];

export const fieldId = (path: string) => `f-${path.replace(/[^A-Za-z0-9]+/g, '-')}`;

function parsePath(path: string): Array<string | number> {
  return path.split('.').flatMap((part) => {
    const m = /^([^[]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) return [part];
    return [m[1], ...[...m[2].matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]))];
  });
}

export function getIn(value: any, path: string): any {
  return parsePath(path).reduce((v, k) => (v === undefined || v === null ? undefined : v[k]), value);
}

export function setIn(value: any, path: string, next: any): any {
  const keys = parsePath(path);
  const step = (current: any, i: number): any => {
    const key = keys[i];
    const copy = Array.isArray(current) ? [...current] : { ...(current ?? {}) };
    if (i === keys.length - 1) {
      if (next === undefined || next === '') delete copy[key];
      else copy[key] = next;
    } else copy[key] = step(current?.[key] ?? (typeof keys[i + 1] === 'number' ? [] : {}), i + 1);
    return copy;
  };
  return step(value, 0);
}

/** Create a draft: the offer id, then the editor. */
export function NewOffer({ publisherId }: { publisherId: string }) {
  const { t, navigate } = useApp();
  const [id, setId] = useState('');
  const [title, setTitle] = useState('');
  const [error, setError] = useState<unknown>();
  return (
    <section class="narrow">
      <h1 tabIndex={-1}>{t('newOffer')}</h1>
      <ErrorNote error={error} />
      <form
        class="card"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(undefined);
          try {
            await call('PUT', versioned(offerPath(publisherId, id)), { body: title ? { title } : {}, headers: { 'if-none-match': '*' } });
            navigate(`/publishers/${publisherId}/offers/${id}`);
          } catch (err) {
            setError(err);
          }
        }}
      >
        <label for="new-id">{t('offerId')}</label>
        <input
          id="new-id"
          required
          value={id}
          pattern="[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,49}"
          aria-describedby="new-id-help"
          onInput={(e) => setId((e.target as HTMLInputElement).value)}
        />
        <p class="help" id="new-id-help">
          {t('offerIdHelp')}
        </p>
        <label for="new-title">{t('title')}</label>
        <input id="new-title" value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
        <button type="submit">{t('create')}</button>
      </form>
    </section>
  );
}

/**
 * The draft as a form. Saved with If-Match (its ETag); a 412 shows the conflict and keeps what was typed. Beside each
 * field the warning the validation stage would give it (GET .../check runs the shared prerequisite rules).
 * Write-only secrets show that a value is stored, never the value: empty keeps it, typing replaces it.
 */
export function Editor({ publisherId, offerId }: { publisherId: string; offerId: string }) {
  const { t, navigate } = useApp();
  const [draft, setDraft] = useState<Draft | undefined>();
  const [etag, setEtag] = useState<string | undefined>();
  const [version, setVersion] = useState<number>(0);
  const [secrets, setSecrets] = useState<Partial<Record<SecretPath, { typed: string; remove: boolean }>>>({});
  const [problems, setProblems] = useState<Problem[] | undefined>();
  const [rules, setRules] = useState<RuleData[]>([]);
  const [state, setState] = useState<'idle' | 'saving' | 'saved'>('idle');
  const [conflict, setConflict] = useState<{ version: number; etag?: string; draft: Draft } | undefined>();
  const [error, setError] = useState<unknown>();
  const [publishing, setPublishing] = useState(false);

  const check = async () => {
    const answer = await call<{ problems: Problem[] }>('GET', versioned(`${offerPath(publisherId, offerId)}/check`));
    setProblems(answer.body.problems);
  };
  const load = async () => {
    const answer = await call<{ draft: Draft; version: number }>('GET', versioned(offerPath(publisherId, offerId)));
    setDraft(answer.body.draft);
    setEtag(answer.etag);
    setVersion(answer.body.version);
    setSecrets({});
    setConflict(undefined);
    await check();
  };
  useEffect(() => {
    void prerequisiteRules().then(setRules);
    load().catch(setError);
  }, [publisherId, offerId]);

  const warnings = useMemo(() => new Map((problems ?? []).map((p) => [p.path, p.message])), [problems]);

  const outgoing = (): Draft => {
    let body = draft ?? {};
    for (const path of SECRET_PATHS) {
      const s = secrets[path];
      if (s?.remove) body = setIn(body, path, undefined);
      else if (s?.typed) body = setIn(body, path, s.typed);
    }
    return body;
  };

  const save = async (ifMatch = etag): Promise<boolean> => {
    setState('saving');
    setError(undefined);
    try {
      const answer = await call<{ draft: Draft; version: number }>('PUT', versioned(offerPath(publisherId, offerId)), {
        body: outgoing(),
        headers: ifMatch ? { 'if-match': ifMatch } : {},
      });
      setDraft(answer.body.draft);
      setEtag(answer.etag);
      setVersion(answer.body.version);
      setSecrets({});
      setConflict(undefined);
      setState('saved');
      await check();
      return true;
    } catch (err) {
      setState('idle');
      if (err instanceof ApiProblem && err.status === 412) {
        // never lose what was typed: keep the form, show whose version is newer
        const theirs = await call<{ draft: Draft; version: number }>('GET', versioned(offerPath(publisherId, offerId)));
        setConflict({ version: theirs.body.version, etag: theirs.etag, draft: theirs.body.draft });
      } else setError(err);
      return false;
    }
  };

  if (error && !draft) return <ErrorNote error={error} />;
  if (!draft) return <p>{t('loading')}</p>;

  const set = (path: string, value: any) => {
    setDraft((d) => setIn(d, path, value));
    setState('idle');
  };

  const field = (path: string, label: string, options: { type?: string; multiline?: boolean; lines?: boolean } = {}) => {
    const id = fieldId(path);
    const warning = warnings.get(path);
    const raw = getIn(draft, path);
    const value = options.lines ? ((raw as string[] | undefined) ?? []).join('\n') : (raw ?? '');
    const onInput = (e: Event) => {
      const text = (e.target as HTMLInputElement).value;
      set(
        path,
        options.lines
          ? text
              .split('\n')
              .map((s) => s.trim())
              .filter(Boolean)
          : text,
      );
    };
    const common = {
      id,
      value,
      onInput,
      'aria-invalid': warning ? ('true' as const) : undefined,
      'aria-describedby': warning ? `${id}-warning` : undefined,
      maxLength: options.lines ? undefined : maxLength(rules, path),
    };
    return (
      <div class={`field${warning ? ' has-warning' : ''}`} key={path}>
        <label for={id}>{label}</label>
        {options.multiline || options.lines ? <textarea rows={options.lines ? 3 : 4} {...common} /> : <input type={options.type ?? 'text'} {...common} />}
        <Warning id={`${id}-warning`} text={warning} />
      </div>
    );
  };
  const groupWarning = (path: string) => <Warning id={`${fieldId(path)}-warning`} text={warnings.get(path)} />;

  const secret = (path: SecretPath, label: string) => {
    const id = fieldId(path);
    const stored = SECRET_REF.test(String(getIn(draft, path) ?? ''));
    const s = secrets[path] ?? { typed: '', remove: false };
    const warning = warnings.get(path);
    return (
      <div class={`field${warning ? ' has-warning' : ''}`}>
        <label for={id}>{label}</label>
        <input
          id={id}
          type="password"
          autoComplete="off"
          value={s.typed}
          aria-describedby={[stored ? `${id}-kept` : '', warning ? `${id}-warning` : ''].filter(Boolean).join(' ') || undefined}
          onInput={(e) => setSecrets({ ...secrets, [path]: { typed: (e.target as HTMLInputElement).value, remove: false } })}
        />
        {stored && (
          <>
            <p class="help" id={`${id}-kept`}>
              {t('secretKept')}
            </p>
            <label class="inline">
              <input
                type="checkbox"
                checked={s.remove}
                onChange={(e) => setSecrets({ ...secrets, [path]: { typed: '', remove: (e.target as HTMLInputElement).checked } })}
              />
              {t('secretRemove')}
            </label>
          </>
        )}
        <Warning id={`${id}-warning`} text={warning} />
      </div>
    );
  };

  const categories = allowedValues(rules, 'categories[]');
  const osFamilies = allowedValues(rules, 'plans[].osFamily');
  const plans: Draft[] = draft.plans ?? [];
  const leadType: string = draft.leadDestination?.type ?? 'none';

  return (
    <section>
      <OfferTabs publisherId={publisherId} offerId={offerId} current="editor" title={draft.title} />
      <form
        class="editor"
        aria-labelledby="editor-title"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <h2 id="editor-title">{t('edit')}</h2>
        {conflict && (
          <div class="conflict" role="alert">
            <p>{t('conflict', { version: conflict.version })}</p>
            <button
              type="button"
              onClick={() => {
                setDraft(conflict.draft);
                setEtag(conflict.etag);
                setVersion(conflict.version);
                setConflict(undefined);
                void check();
              }}
            >
              {t('conflictReload')}
            </button>{' '}
            <button type="button" onClick={() => void save(conflict.etag)}>
              {t('conflictOverwrite')}
            </button>
          </div>
        )}
        <ErrorNote error={error} />
        {problems && (
          <div class={problems.length ? 'summary warn' : 'summary ok'} role="status" aria-live="polite">
            {problems.length ? t('warningsCount', { count: problems.length }) : t('noWarnings')}
          </div>
        )}

        <fieldset>
          <legend>{t('offer')}</legend>
          {field('title', t('title'))}
          {field('summary', t('summary'))}
          {field('description', t('description'), { multiline: true })}
          <fieldset class="inner">
            <legend>{t('categories')}</legend>
            <div class="checks">
              {categories.map((c) => (
                <label class="inline" key={c}>
                  <input
                    type="checkbox"
                    checked={(draft.categories ?? []).includes(c)}
                    onChange={(e) => {
                      const on = (e.target as HTMLInputElement).checked;
                      const list: string[] = draft.categories ?? [];
                      set('categories', on ? [...list, c] : list.filter((x) => x !== c));
                    }}
                  />
                  {c}
                </label>
              ))}
            </div>
            {groupWarning('categories')}
            {(draft.categories ?? []).map((_: string, i: number) => groupWarning(`categories[${i}]`))}
          </fieldset>
          <fieldset class="inner">
            <legend>{t('logos')}</legend>
            {['small', 'medium', 'large', 'wide'].map((size) => field(`logos.${size}`, t('logo', { size }), { type: 'url' }))}
          </fieldset>
          {field('privacyPolicyUrl', t('privacyPolicyUrl'), { type: 'url' })}
          {field('termsOfUse', t('termsOfUse'), { multiline: true })}
        </fieldset>

        {(['supportContact', 'engineeringContact'] as const).map((who) => (
          <fieldset key={who}>
            <legend>{t(who)}</legend>
            {field(`${who}.name`, t('name'))}
            {field(`${who}.email`, t('email'), { type: 'email' })}
            {field(`${who}.phone`, t('phone'), { type: 'tel' })}
          </fieldset>
        ))}

        <fieldset>
          <legend>{t('plans')}</legend>
          {groupWarning('plans')}
          {plans.map((plan, p) => (
            <fieldset class="inner plan" key={p}>
              <legend>{t('plan', { n: p + 1 })}</legend>
              {field(`plans[${p}].id`, t('planId'))}
              {field(`plans[${p}].title`, t('title'))}
              {field(`plans[${p}].summary`, t('summary'))}
              <div class={`field${warnings.get(`plans[${p}].osFamily`) ? ' has-warning' : ''}`}>
                <label for={fieldId(`plans[${p}].osFamily`)}>{t('osFamily')}</label>
                <select
                  id={fieldId(`plans[${p}].osFamily`)}
                  value={plan.osFamily ?? ''}
                  aria-describedby={warnings.get(`plans[${p}].osFamily`) ? `${fieldId(`plans[${p}].osFamily`)}-warning` : undefined}
                  onChange={(e) => set(`plans[${p}].osFamily`, (e.target as HTMLSelectElement).value)}
                >
                  <option value="">{t('choose')}</option>
                  {osFamilies.map((f) => (
                    <option key={f} value={f}>
                      {f}
                    </option>
                  ))}
                </select>
                {groupWarning(`plans[${p}].osFamily`)}
              </div>
              {field(`plans[${p}].osName`, t('osName'))}
              <fieldset class="inner">
                <legend>{t('imageVersions')}</legend>
                {groupWarning(`plans[${p}].imageVersions`)}
                {((plan.imageVersions as Draft[] | undefined) ?? []).map((_, v) => (
                  <fieldset class="inner" key={v}>
                    <legend>{t('imageVersion', { n: v + 1 })}</legend>
                    {field(`plans[${p}].imageVersions[${v}].version`, t('version'))}
                    {field(`plans[${p}].imageVersions[${v}].osDiskUrl`, t('osDiskUrl'), { type: 'url' })}
                    {field(`plans[${p}].imageVersions[${v}].dataDiskUrls`, t('dataDiskUrls'), { lines: true })}
                    {((plan.imageVersions[v].dataDiskUrls as string[] | undefined) ?? []).map((_d, d) =>
                      groupWarning(`plans[${p}].imageVersions[${v}].dataDiskUrls[${d}]`),
                    )}
                    <button
                      type="button"
                      class="secondary"
                      onClick={() =>
                        set(
                          `plans[${p}].imageVersions`,
                          (plan.imageVersions as Draft[]).filter((_x, i) => i !== v),
                        )
                      }
                    >
                      {t('removeImageVersion', { n: v + 1 })}
                    </button>
                  </fieldset>
                ))}
                <button type="button" class="secondary" onClick={() => set(`plans[${p}].imageVersions`, [...(plan.imageVersions ?? []), { version: '' }])}>
                  {t('addImageVersion')}
                </button>
              </fieldset>
              <button
                type="button"
                class="secondary"
                onClick={() =>
                  set(
                    'plans',
                    plans.filter((_x, i) => i !== p),
                  )
                }
              >
                {t('removePlan', { n: p + 1 })}
              </button>
            </fieldset>
          ))}
          <button type="button" class="secondary" onClick={() => set('plans', [...plans, { id: '', imageVersions: [{ version: '' }] }])}>
            {t('addPlan')}
          </button>
        </fieldset>

        <fieldset>
          <legend>{t('leadDestination')}</legend>
          <div class="field">
            <label for="f-leadDestination-type">{t('leadType')}</label>
            <select
              id="f-leadDestination-type"
              value={leadType}
              onChange={(e) => {
                const type = (e.target as HTMLSelectElement).value;
                set('leadDestination', { ...(draft.leadDestination ?? {}), type });
              }}
            >
              <option value="none">{t('leadNone')}</option>
              <option value="https">{t('leadHttps')}</option>
              <option value="azure-table">{t('leadAzure')}</option>
            </select>
          </div>
          {leadType === 'https' && (
            <>
              {field('leadDestination.https.url', t('leadUrl'), { type: 'url' })}
              {secret('leadDestination.https.authorization', t('leadAuthorization'))}
            </>
          )}
          {leadType === 'azure-table' && (
            <>
              {secret('leadDestination.azureTable.connectionString', t('connectionString'))}
              {field('leadDestination.azureTable.tableName', t('tableName'))}
            </>
          )}
        </fieldset>

        <fieldset>
          <legend>{t('previewAudience')}</legend>
          {field('previewSubscriptionIds', t('previewSubscriptionIds'), { lines: true })}
          {((draft.previewSubscriptionIds as string[] | undefined) ?? []).map((_s, i) => groupWarning(`previewSubscriptionIds[${i}]`))}
          <div class="field">
            <label for="f-notificationLanguage">{t('notificationLanguage')}</label>
            <select
              id="f-notificationLanguage"
              value={draft.notificationLanguage ?? ''}
              onChange={(e) => set('notificationLanguage', (e.target as HTMLSelectElement).value)}
            >
              <option value="">{t('choose')}</option>
              {LANGUAGES.map((l) => (
                <option key={l.tag} value={l.tag}>
                  {l.name}
                </option>
              ))}
            </select>
          </div>
        </fieldset>

        <div class="actions sticky">
          <button type="submit" disabled={state === 'saving'}>
            {state === 'saving' ? t('saving') : t('save')}
          </button>
          <button
            type="button"
            class="primary"
            onClick={async () => {
              if (state !== 'saved' && !(await save())) return;
              setPublishing(true);
            }}
          >
            {t('publish')}
          </button>
          <span role="status" aria-live="polite" class="muted">
            {state === 'saved' ? t('saved', { version }) : ''}
          </span>
          <Link href={`/publishers/${publisherId}/offers`}>{t('backToOffers')}</Link>
        </div>
      </form>
      {publishing && (
        <PublishDialog
          publisherId={publisherId}
          offerId={offerId}
          title={draft.title ?? offerId}
          defaultLanguage={draft.notificationLanguage}
          onClose={() => setPublishing(false)}
          onPublished={() => navigate(`/publishers/${publisherId}/offers/${offerId}/status`)}
        />
      )}
    </section>
  );
}

export function Warning({ id, text }: { id: string; text: string | undefined }) {
  if (!text) return null;
  return (
    <p class="warning" id={id}>
      <span aria-hidden="true">⚠ </span>
      {text}
    </p>
  );
}
