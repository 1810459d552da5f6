export const TEMPLATE_LOCALES = ['en', 'it', 'pt-BR', 'es'] as const;
export type TemplateLocale = (typeof TEMPLATE_LOCALES)[number];
export const TEMPLATE_KINDS = ['message', 'document'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

const lines =
  '{% for line in lines %}- {{ line.quantity }} {{ line.unit }} {{ line.name }}: {{ line.amount }}\n{% endfor %}';
const notes = '{% if quote.notes != blank %}\n\n{{ quote.notes }}{% endif %}';

/** Safe defaults: used while a workspace has not saved its own template. */
export const DEFAULT_TEMPLATES: Record<TemplateLocale, Record<TemplateKind, string>> = {
  en: {
    message: `Hello {{ contact.name }}, here is your quote {{ quote.number }} from {{ business.name }}:\n${lines}Total: {{ quote.total }} (valid until {{ quote.valid_until }}).\nReview and accept it here: {{ quote.link }}`,
    document: `Quote {{ quote.number }} for {{ contact.name }}.\nPrices in {{ quote.currency }}; this quote is valid until {{ quote.valid_until }}.${notes}`,
  },
  it: {
    message: `Buongiorno {{ contact.name }}, ecco il preventivo {{ quote.number }} di {{ business.name }}:\n${lines}Totale: {{ quote.total }} (valido fino al {{ quote.valid_until }}).\nPuò consultarlo e accettarlo qui: {{ quote.link }}`,
    document: `Preventivo {{ quote.number }} per {{ contact.name }}.\nPrezzi in {{ quote.currency }}; il preventivo è valido fino al {{ quote.valid_until }}.${notes}`,
  },
  'pt-BR': {
    message: `Olá {{ contact.name }}, segue o orçamento {{ quote.number }} de {{ business.name }}:\n${lines}Total: {{ quote.total }} (válido até {{ quote.valid_until }}).\nConfira e aprove aqui: {{ quote.link }}`,
    document: `Orçamento {{ quote.number }} para {{ contact.name }}.\nPreços em {{ quote.currency }}; este orçamento é válido até {{ quote.valid_until }}.${notes}`,
  },
  es: {
    message: `Hola {{ contact.name }}, aquí está su presupuesto {{ quote.number }} de {{ business.name }}:\n${lines}Total: {{ quote.total }} (válido hasta el {{ quote.valid_until }}).\nRevíselo y acéptelo aquí: {{ quote.link }}`,
    document: `Presupuesto {{ quote.number }} para {{ contact.name }}.\nPrecios en {{ quote.currency }}; este presupuesto es válido hasta el {{ quote.valid_until }}.${notes}`,
  },
};
