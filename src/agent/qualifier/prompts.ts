import type { Language } from '../../conversations/conversations.table.js';

/**
 * Every text the qualifier sends, by id, with the placeholders it may use. Tenants override texts per
 * language (qualifier_settings.prompts); a template sees only the values passed for its own placeholders.
 * Ids are camelCase because jsonb keys read through Kysely's CamelCasePlugin come back camelCased.
 */
export const PROMPTS = {
  greeting: [],
  askFirstName: [],
  askLastName: [],
  askCompany: [],
  askEmail: [],
  emailInvalid: ['reason'],
  emailReasonNoAt: [],
  emailReasonDomain: [],
  emailReasonFormat: [],
  nameInvalid: [],
  companyInvalid: [],
  confirm: ['summary'],
  confirmRetry: [],
  askCorrection: [],
  updated: [],
  completed: ['firstName'],
  afterCompletion: [],
  handoff: [],
  nonText: [],
  labelFirstName: [],
  labelLastName: [],
  labelCompany: [],
  labelEmail: [],
} as const satisfies Record<string, readonly string[]>;

export type PromptId = keyof typeof PROMPTS;
export const PROMPT_IDS = Object.keys(PROMPTS) as PromptId[];
export const MAX_PROMPT_LENGTH = 1000;

const EN: Record<PromptId, string> = {
  greeting: "Hi! I'm the virtual assistant. A few details, and I'll get you to the right person.",
  askFirstName: "What's your first name?",
  askLastName: 'And your last name?',
  askCompany: 'Which company are you with?',
  askEmail: "What's your e-mail address?",
  emailInvalid: "That e-mail address doesn't look right: {{reason}}. Could you write it again?",
  emailReasonNoAt: 'it has no @',
  emailReasonDomain: 'the part after the @ is not a valid domain',
  emailReasonFormat: "it has spaces or characters that aren't allowed",
  nameInvalid: "That doesn't look like a name (no numbers, e-mails or links, please).",
  companyInvalid: "That doesn't look like a company name.",
  confirm: 'Thanks! Let me check:\n{{summary}}\nIs everything correct? (yes/no)',
  confirmRetry: 'Please answer yes or no, or tell me what to change (for example "my e-mail is ...").',
  askCorrection: 'No problem: what should I change? For example "my company is ...".',
  updated: "Got it, I've updated that.",
  completed: 'Thank you! A person from our team will follow up shortly.',
  afterCompletion: 'Thanks for your message! A person from our team will reply here soon.',
  handoff: 'Of course: a person from our team will reply to you here as soon as possible.',
  nonText: 'I can only read text messages for now. Could you write your answer?',
  labelFirstName: 'First name',
  labelLastName: 'Last name',
  labelCompany: 'Company',
  labelEmail: 'E-mail',
};

const IT: Record<PromptId, string> = {
  greeting:
    "Ciao! Sono l'assistente virtuale. Mi servono alcuni dati per metterti in contatto con la persona giusta.",
  askFirstName: 'Come ti chiami (nome)?',
  askLastName: 'E il tuo cognome?',
  askCompany: 'Per quale azienda lavori?',
  askEmail: 'Qual è il tuo indirizzo e-mail?',
  emailInvalid: 'Questo indirizzo e-mail non sembra corretto: {{reason}}. Puoi riscriverlo?',
  emailReasonNoAt: 'manca la @',
  emailReasonDomain: 'la parte dopo la @ non è un dominio valido',
  emailReasonFormat: 'contiene spazi o caratteri non ammessi',
  nameInvalid: 'Non sembra un nome (niente numeri, e-mail o link, per favore).',
  companyInvalid: "Non sembra il nome di un'azienda.",
  confirm: 'Grazie! Ricapitolo:\n{{summary}}\nÈ tutto corretto? (sì/no)',
  confirmRetry: 'Rispondi sì o no, oppure dimmi cosa correggere (per esempio "la mia email è ...").',
  askCorrection: 'Nessun problema: cosa devo correggere? Per esempio "la mia azienda è ...".',
  updated: 'Ok, ho aggiornato.',
  completed: 'Grazie! Una persona del nostro team ti ricontatterà a breve.',
  afterCompletion: 'Grazie del messaggio! Una persona del nostro team ti risponderà qui a breve.',
  handoff: 'Certo: una persona del nostro team ti risponderà qui il prima possibile.',
  nonText: 'Per ora posso leggere solo messaggi di testo. Puoi scrivermi la risposta?',
  labelFirstName: 'Nome',
  labelLastName: 'Cognome',
  labelCompany: 'Azienda',
  labelEmail: 'E-mail',
};

const PT: Record<PromptId, string> = {
  greeting: 'Olá! Sou o assistente virtual. Preciso de alguns dados para encaminhar você à pessoa certa.',
  askFirstName: 'Qual é o seu nome?',
  askLastName: 'E o seu sobrenome?',
  askCompany: 'Em qual empresa você trabalha?',
  askEmail: 'Qual é o seu e-mail?',
  emailInvalid: 'Esse e-mail não parece correto: {{reason}}. Pode escrever de novo?',
  emailReasonNoAt: 'falta o @',
  emailReasonDomain: 'a parte depois do @ não é um domínio válido',
  emailReasonFormat: 'tem espaços ou caracteres não permitidos',
  nameInvalid: 'Isso não parece um nome (sem números, e-mails ou links, por favor).',
  companyInvalid: 'Isso não parece o nome de uma empresa.',
  confirm: 'Obrigado! Vou confirmar:\n{{summary}}\nEstá tudo certo? (sim/não)',
  confirmRetry: 'Responda sim ou não, ou diga o que devo corrigir (por exemplo "meu e-mail é ...").',
  askCorrection: 'Sem problema: o que devo corrigir? Por exemplo "minha empresa é ...".',
  updated: 'Certo, atualizei.',
  completed: 'Obrigado! Uma pessoa da nossa equipe vai entrar em contato em breve.',
  afterCompletion: 'Obrigado pela mensagem! Uma pessoa da nossa equipe vai responder aqui em breve.',
  handoff: 'Claro: uma pessoa da nossa equipe vai responder aqui o mais rápido possível.',
  nonText: 'Por enquanto só consigo ler mensagens de texto. Pode escrever a sua resposta?',
  labelFirstName: 'Nome',
  labelLastName: 'Sobrenome',
  labelCompany: 'Empresa',
  labelEmail: 'E-mail',
};

export const DEFAULT_PROMPTS: Readonly<Record<Language, Record<PromptId, string>>> = {
  en: EN,
  it: IT,
  pt: PT,
};

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

/** The placeholders a template uses (for validating tenants' overrides). */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1] ?? '');
}

/** Fills `{{name}}` from `values` only; an unknown placeholder renders as nothing. */
export function renderPrompt(template: string, values: Readonly<Record<string, string>> = {}): string {
  return template.replace(PLACEHOLDER, (_, name: string) =>
    Object.hasOwn(values, name) ? (values[name] ?? '') : '',
  );
}

/** The tenant's text for `id` in `language` when it set one, else the built-in text. */
export function promptText(
  overrides: Partial<Record<Language, Record<string, string>>>,
  language: Language,
  id: PromptId,
): string {
  const override = overrides[language]?.[id];
  return typeof override === 'string' && override.trim() !== '' ? override : DEFAULT_PROMPTS[language][id];
}
