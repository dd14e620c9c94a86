import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Session } from './api';
import type { Language, T } from './i18n';

export interface AppContext {
  t: T;
  language: Language;
  session: Session | undefined;
  signIn: (session: Session) => void;
  navigate: (path: string, replace?: boolean) => void;
}

export const App = createContext<AppContext>(undefined as unknown as AppContext);
export const useApp = () => useContext(App);

/** A link inside the portal: a real <a href> (keyboard, new tab), handled without a reload. */
export function Link(props: { href: string; children: preact.ComponentChildren; class?: string; 'aria-current'?: 'page' | undefined }) {
  const { navigate } = useApp();
  return (
    <a
      href={props.href}
      class={props.class}
      aria-current={props['aria-current']}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}

export function formatTime(iso: string | null | undefined, language: string): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(language, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function ErrorNote({ error }: { error: unknown }) {
  const { t } = useApp();
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {t('error', { message: error instanceof Error ? error.message : String(error) })}
    </p>
  );
}
