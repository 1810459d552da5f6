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
  nameInvalid: ['reason'],
  nameReasonDigits: [],
  nameReasonLink: [],
  nameReasonCode: [],
  nameReasonSentence: [],
  companyInvalid: ['reason'],
  companyReasonCode: [],
  companyReasonLong: [],
  companyReasonLink: [],
  priceAnswer: [],
  commitmentAnswer: [],
  questionAnswer: [],
  declined: [],
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
  nameInvalid: "I couldn't take that as your name: {{reason}}.",
  nameReasonDigits: 'a name has no digits',
  nameReasonLink: 'it looks like a link or an e-mail address',
  nameReasonCode: 'it looks like code or formatting',
  nameReasonSentence: 'it reads like a sentence rather than a name',
  companyInvalid: "I couldn't take that as your company's name: {{reason}}.",
  companyReasonCode: 'it looks like code or formatting',
  companyReasonLong: "it's longer than 100 characters (a shorter form is fine)",
  companyReasonLink: "it looks like a link (the company's name is enough)",
  priceAnswer:
    'About prices: they depend on what you need, so a person from our team will send you prices or a quote.',
  commitmentAnswer: 'A person from our team will answer that and go through the details with you.',
  questionAnswer: 'Good question: a person from our team will answer it here.',
  declined: 'No problem, we can do without it.',
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
  askFirstName: 'Qual è il tuo nome?',
  askLastName: 'E il tuo cognome?',
  askCompany: 'Per quale azienda lavori?',
  askEmail: 'Qual è il tuo indirizzo e-mail?',
  emailInvalid: 'Questo indirizzo e-mail non sembra corretto: {{reason}}. Puoi riscriverlo?',
  emailReasonNoAt: 'manca la @',
  emailReasonDomain: 'la parte dopo la @ non è un dominio valido',
  emailReasonFormat: 'contiene spazi o caratteri non ammessi',
  nameInvalid: 'Non riesco a registrarlo come nome: {{reason}}.',
  nameReasonDigits: 'un nome non contiene numeri',
  nameReasonLink: 'sembra un link o un indirizzo e-mail',
  nameReasonCode: 'sembra codice o formattazione',
  nameReasonSentence: 'sembra una frase, non un nome',
  companyInvalid: "Non riesco a registrarlo come nome dell'azienda: {{reason}}.",
  companyReasonCode: 'sembra codice o formattazione',
  companyReasonLong: 'supera i 100 caratteri (va bene anche una forma più breve)',
  companyReasonLink: "sembra un link (basta il nome dell'azienda)",
  priceAnswer:
    'Sui prezzi: dipendono da quello che ti serve, quindi una persona del nostro team ti manderà i prezzi o un preventivo.',
  commitmentAnswer: 'Una persona del nostro team ti risponderà su questo e vedrà i dettagli con te.',
  questionAnswer: 'Bella domanda: ti risponderà qui una persona del nostro team.',
  declined: 'Nessun problema, possiamo farne a meno.',
  confirm: 'Grazie! Ricapitolo:\n{{summary}}\nÈ tutto corretto? (sì/no)',
  confirmRetry: 'Rispondi sì o no, oppure dimmi cosa correggere (per esempio "la mia email è ...").',
  askCorrection: 'Nessun problema: cosa devo correggere? Per esempio "la mia azienda è ...".',
  updated: 'Ok, ho aggiornato il dato.',
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
  nameInvalid: 'Não consegui registrar isso como nome: {{reason}}.',
  nameReasonDigits: 'um nome não tem números',
  nameReasonLink: 'parece um link ou um e-mail',
  nameReasonCode: 'parece código ou formatação',
  nameReasonSentence: 'parece uma frase, não um nome',
  companyInvalid: 'Não consegui registrar isso como nome da empresa: {{reason}}.',
  companyReasonCode: 'parece código ou formatação',
  companyReasonLong: 'tem mais de 100 caracteres (pode ser uma forma mais curta)',
  companyReasonLink: 'parece um link (basta o nome da empresa)',
  priceAnswer:
    'Sobre preços: dependem do que você precisa, então uma pessoa da nossa equipe vai enviar os preços ou um orçamento.',
  commitmentAnswer: 'Uma pessoa da nossa equipe vai responder a isso e ver os detalhes com você.',
  questionAnswer: 'Boa pergunta: uma pessoa da nossa equipe vai responder aqui.',
  declined: 'Sem problema, podemos seguir sem isso.',
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

const ES: Record<PromptId, string> = {
  greeting:
    '¡Hola! Soy el asistente virtual. Necesito algunos datos para ponerte en contacto con la persona adecuada.',
  askFirstName: '¿Cuál es tu nombre?',
  askLastName: '¿Y tus apellidos?',
  askCompany: '¿En qué empresa trabajas?',
  askEmail: '¿Cuál es tu correo electrónico?',
  emailInvalid: 'Ese correo no parece correcto: {{reason}}. ¿Puedes escribirlo de nuevo?',
  emailReasonNoAt: 'le falta la @',
  emailReasonDomain: 'lo que va después de la @ no es un dominio válido',
  emailReasonFormat: 'tiene espacios o caracteres no permitidos',
  nameInvalid: 'No he podido guardar eso como nombre: {{reason}}.',
  nameReasonDigits: 'un nombre no lleva números',
  nameReasonLink: 'parece un enlace o un correo',
  nameReasonCode: 'parece código o formato',
  nameReasonSentence: 'parece una frase, no un nombre',
  companyInvalid: 'No he podido guardar eso como nombre de la empresa: {{reason}}.',
  companyReasonCode: 'parece código o formato',
  companyReasonLong: 'tiene más de 100 caracteres (vale una forma más corta)',
  companyReasonLink: 'parece un enlace (basta con el nombre de la empresa)',
  priceAnswer:
    'Sobre los precios: dependen de lo que necesites, así que una persona de nuestro equipo te enviará los precios o un presupuesto.',
  commitmentAnswer: 'Una persona de nuestro equipo te responderá sobre eso y verá los detalles contigo.',
  questionAnswer: 'Buena pregunta: una persona de nuestro equipo te responderá aquí.',
  declined: 'Sin problema, podemos seguir sin ese dato.',
  confirm: '¡Gracias! Te resumo:\n{{summary}}\n¿Está todo correcto? (sí/no)',
  confirmRetry: 'Responde sí o no, o dime qué debo corregir (por ejemplo "mi correo es ...").',
  askCorrection: 'Sin problema: ¿qué debo corregir? Por ejemplo "mi empresa es ...".',
  updated: 'Vale, ya lo he actualizado.',
  completed: '¡Gracias! Una persona de nuestro equipo se pondrá en contacto contigo en breve.',
  afterCompletion: '¡Gracias por tu mensaje! Una persona de nuestro equipo te responderá aquí en breve.',
  handoff: 'Por supuesto: una persona de nuestro equipo te responderá aquí lo antes posible.',
  nonText: 'Por ahora solo puedo leer mensajes de texto. ¿Puedes escribir tu respuesta?',
  labelFirstName: 'Nombre',
  labelLastName: 'Apellidos',
  labelCompany: 'Empresa',
  labelEmail: 'Correo electrónico',
};

/** European Portuguese where it differs from Brazilian ("apelido", "equipa", "contacto", "consigo"). */
const PT_PT: Partial<Record<PromptId, string>> = {
  greeting:
    'Olá! Sou o assistente virtual. Preciso de alguns dados para encaminhar o seu pedido para a pessoa certa.',
  askLastName: 'E o seu apelido?',
  askCompany: 'Em que empresa trabalha?',
  emailInvalid: 'Esse e-mail não parece correto: {{reason}}. Pode escrevê-lo de novo?',
  nameInvalid: 'Não consegui registar isso como nome: {{reason}}.',
  companyInvalid: 'Não consegui registar isso como nome da empresa: {{reason}}.',
  priceAnswer:
    'Sobre preços: dependem do que precisa, por isso uma pessoa da nossa equipa vai enviar-lhe os preços ou um orçamento.',
  commitmentAnswer: 'Uma pessoa da nossa equipa vai responder-lhe a isso e ver os detalhes consigo.',
  questionAnswer: 'Boa pergunta: uma pessoa da nossa equipa vai responder-lhe aqui.',
  declined: 'Sem problema, podemos avançar sem isso.',
  confirmRetry: 'Responda sim ou não, ou diga-me o que devo corrigir (por exemplo "o meu e-mail é ...").',
  askCorrection: 'Sem problema: o que devo corrigir? Por exemplo "a minha empresa é ...".',
  updated: 'Certo, já atualizei.',
  completed: 'Obrigado! Uma pessoa da nossa equipa vai entrar em contacto consigo em breve.',
  afterCompletion: 'Obrigado pela mensagem! Uma pessoa da nossa equipa vai responder-lhe aqui em breve.',
  handoff: 'Claro: uma pessoa da nossa equipa vai responder-lhe aqui o mais depressa possível.',
  nonText: 'Por agora só consigo ler mensagens de texto. Pode escrever a sua resposta?',
  labelLastName: 'Apelido',
};

export const DEFAULT_PROMPTS: Readonly<Record<Language, Record<PromptId, string>>> = {
  en: EN,
  it: IT,
  pt: PT,
  es: ES,
};

/** Portuguese is written for Brazil unless the customer writes the European way (see detectPortugueseVariant). */
export type Variant = 'pt-PT' | null;

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
  variant: Variant = null,
): string {
  const override = overrides[language]?.[id];
  if (typeof override === 'string' && override.trim() !== '') return override;
  return (variant === 'pt-PT' && language === 'pt' ? PT_PT[id] : undefined) ?? DEFAULT_PROMPTS[language][id];
}
