import type { PublishingStepId } from '@mkt/events';
import type { StatusResponse } from './status-response';

/**
 * The status view in the language the caller asks for (Accept-Language): the steps' names, descriptions and
 * usual time frames, and the projection's own messages (the English sentences status-view.ts writes, matched by
 * their shape). Messages that quote a stage or a rule (a failure's reason, a field's problem) stay as the stage
 * wrote them. English is the view as stored.
 */
export const STATUS_LANGUAGES = ['en', 'pt-BR', 'it'] as const;
export type StatusLanguage = (typeof STATUS_LANGUAGES)[number];

/** The best of STATUS_LANGUAGES for an Accept-Language header (q-values honoured; `pt` is pt-BR). */
export function statusLanguage(acceptLanguage: string | undefined): StatusLanguage {
  const ranges = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((r) => r.tag && r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranges) {
    const exact = STATUS_LANGUAGES.find((l) => l.toLowerCase() === tag);
    if (exact) return exact;
    const primary = tag.split('-')[0];
    const family = STATUS_LANGUAGES.find((l) => l.toLowerCase().split('-')[0] === primary);
    if (family) return family;
  }
  return 'en';
}

interface StepText {
  stepName: string;
  description: string;
  estimatedTimeFrame: string;
}

const STEPS: Record<Exclude<StatusLanguage, 'en'>, Record<PublishingStepId, StepText>> = {
  'pt-BR': {
    'validate-prerequisites': {
      stepName: 'Validar pré-requisitos',
      description: 'Cada campo obrigatório da oferta é verificado; cada campo ausente ou inválido recebe sua própria mensagem.',
      estimatedTimeFrame: 'Menos de 1 dia',
    },
    certification: {
      stepName: 'Certificação',
      description: 'As imagens de VM são testadas contra os requisitos de certificação.',
      estimatedTimeFrame: 'Menos de 5 dias',
    },
    provisioning: {
      stepName: 'Provisionamento',
      description: 'As imagens de VM são replicadas para todas as regiões da nuvem.',
      estimatedTimeFrame: 'Menos de 1 dia',
    },
    packaging: {
      stepName: 'Empacotamento e registro de leads',
      description: 'O conteúdo de marketing e técnico é combinado na página do produto; um lead de teste é enviado se a geração de leads estiver configurada.',
      estimatedTimeFrame: 'Menos de 1 hora',
    },
    preview: {
      stepName: 'Oferta disponível em versão prévia',
      description: 'A oferta fica visível apenas para as assinaturas permitidas, para que o publicador possa conferi-la.',
      estimatedTimeFrame: 'Não se aplica',
    },
    'publisher-signoff': {
      stepName: 'Aprovação do publicador',
      description: 'O publicador confere a versão prévia e clica em Go Live.',
      estimatedTimeFrame: 'Aguarda o publicador',
    },
    live: { stepName: 'No ar', description: 'A página do produto vai para o catálogo público.', estimatedTimeFrame: 'Várias horas' },
  },
  it: {
    'validate-prerequisites': {
      stepName: 'Convalida dei prerequisiti',
      description: "Ogni campo obbligatorio dell'offerta viene controllato; ogni campo mancante o non valido riceve un proprio messaggio.",
      estimatedTimeFrame: 'Meno di 1 giorno',
    },
    certification: {
      stepName: 'Certificazione',
      description: 'Le immagini VM vengono verificate rispetto ai requisiti di certificazione.',
      estimatedTimeFrame: 'Meno di 5 giorni',
    },
    provisioning: {
      stepName: 'Provisioning',
      description: 'Le immagini VM vengono replicate in tutte le aree del cloud.',
      estimatedTimeFrame: 'Meno di 1 giorno',
    },
    packaging: {
      stepName: 'Creazione del pacchetto e registrazione dei lead',
      description:
        'I contenuti di marketing e tecnici vengono riuniti nella pagina del prodotto; se la generazione di lead è configurata viene inviato un lead di prova.',
      estimatedTimeFrame: 'Meno di 1 ora',
    },
    preview: {
      stepName: 'Offerta disponibile in anteprima',
      description: "L'offerta è visibile solo alle sottoscrizioni consentite, perché l'editore possa controllarla.",
      estimatedTimeFrame: 'Non applicabile',
    },
    'publisher-signoff': {
      stepName: "Approvazione dell'editore",
      description: "L'editore controlla l'anteprima e fa clic su Go Live.",
      estimatedTimeFrame: "Attende l'editore",
    },
    live: { stepName: 'Online', description: 'La pagina del prodotto va nel catalogo pubblico.', estimatedTimeFrame: 'Diverse ore' },
  },
};

type Rewrite = [RegExp, Record<Exclude<StatusLanguage, 'en'>, string>];

/** The projection's sentences (status-view.ts), by shape; $1.. are the values it put in. */
const MESSAGES: Rewrite[] = [
  [
    /^Publishing attempt (\d+) submitted by (.+)\.$/,
    { 'pt-BR': 'Tentativa de publicação $1 enviada por $2.', it: 'Tentativo di pubblicazione $1 inviato da $2.' },
  ],
  [
    /^All (\d+) prerequisite rules passed\.$/,
    { 'pt-BR': 'Todas as $1 regras de pré-requisitos foram atendidas.', it: 'Tutte le $1 regole dei prerequisiti sono soddisfatte.' },
  ],
  [/^Certifying (\d+) disk\(s\)\.$/, { 'pt-BR': 'Certificando $1 disco(s).', it: 'Certificazione di $1 disco/dischi.' }],
  [
    /^All (\d+) certification checks passed\.$/,
    { 'pt-BR': 'Todas as $1 verificações de certificação passaram.', it: 'Tutti i $1 controlli di certificazione superati.' },
  ],
  [/^Replicating (\d+) image\(s\) to (\d+) regions\.$/, { 'pt-BR': 'Replicando $1 imagem(ns) para $2 regiões.', it: 'Replica di $1 immagine/i in $2 aree.' }],
  [/^Replicated to (\d+) of (\d+) regions\.$/, { 'pt-BR': 'Replicado em $1 de $2 regiões.', it: 'Replicata in $1 di $2 aree.' }],
  [/^Images replicated to (\d+) regions\.$/, { 'pt-BR': 'Imagens replicadas em $1 regiões.', it: 'Immagini replicate in $1 aree.' }],
  [
    /^Building the product page and sending a test lead\.$/,
    { 'pt-BR': 'Gerando a página do produto e enviando um lead de teste.', it: 'Creazione della pagina del prodotto e invio di un lead di prova.' },
  ],
  [/^Building the product page\.$/, { 'pt-BR': 'Gerando a página do produto.', it: 'Creazione della pagina del prodotto.' }],
  [/^The product page was generated\.$/, { 'pt-BR': 'A página do produto foi gerada.', it: 'La pagina del prodotto è stata generata.' }],
  [/^Preview: (.+)$/, { 'pt-BR': 'Versão prévia: $1', it: 'Anteprima: $1' }],
  [
    /^Check the preview, then click Go Live \(or cancel\)\.$/,
    { 'pt-BR': 'Confira a versão prévia e clique em Go Live (ou cancele).', it: "Controlla l'anteprima, poi fai clic su Go Live (o annulla)." },
  ],
  [/^Go Live requested by (.+)\.$/, { 'pt-BR': 'Go Live solicitado por $1.', it: 'Go Live richiesto da $1.' }],
  [/^Live: (.+)$/, { 'pt-BR': 'No ar: $1', it: 'Online: $1' }],
  [/^What to do: (.+)$/s, { 'pt-BR': 'O que fazer: $1', it: 'Cosa fare: $1' }],
  [
    /^Publishing canceled by (\S+)(.*) Publish again to start over\.$/s,
    { 'pt-BR': 'Publicação cancelada por $1$2 Publique novamente para recomeçar.', it: 'Pubblicazione annullata da $1$2 Pubblica di nuovo per ricominciare.' },
  ],
  [
    /^Replication failed in (\d+) region\(s\) \((\d+) replicated\)\.$/,
    { 'pt-BR': 'A replicação falhou em $1 região(ões) ($2 replicadas).', it: 'Replica non riuscita in $1 area/e ($2 replicate).' },
  ],
];

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export function translateMessage(text: string, language: StatusLanguage): string {
  if (language === 'en') return text;
  for (const [pattern, texts] of MESSAGES) {
    if (pattern.test(text)) return text.replace(pattern, texts[language]);
  }
  return text;
}

/** The status response with its steps and the projection's messages in `language`. */
export function localizeStatus(status: StatusResponse, language: StatusLanguage): StatusResponse {
  if (language === 'en') return status;
  const message = <M extends { text: string; messageHtml: string }>(m: M): M => {
    const text = translateMessage(m.text, language);
    return text === m.text ? m : { ...m, text, messageHtml: escapeHtml(text) };
  };
  return {
    ...status,
    messages: status.messages.map(message),
    steps: status.steps.map((step) => ({ ...step, ...STEPS[language][step.id], messages: step.messages.map(message) })),
  };
}
