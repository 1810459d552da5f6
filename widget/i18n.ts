export type Language = 'en' | 'it' | 'pt' | 'es';

export interface Strings {
  open: string;
  title: string;
  phone: string;
  country: string;
  name: string;
  submit: string;
  close: string;
  checking: string;
  invalidPhone: string;
  failed: string;
}

export const STRINGS: Record<Language, Strings> = {
  en: {
    open: 'Call me back',
    title: 'We will call you back',
    phone: 'Phone number',
    country: 'Country',
    name: 'Name (optional)',
    submit: 'Call me',
    close: 'Close',
    checking: 'Checking…',
    invalidPhone: 'Please enter a valid phone number.',
    failed: 'Something went wrong. Please try again.',
  },
  it: {
    open: 'Richiamami',
    title: 'Ti richiamiamo noi',
    phone: 'Numero di telefono',
    country: 'Paese',
    name: 'Nome (facoltativo)',
    submit: 'Chiamami',
    close: 'Chiudi',
    checking: 'Verifica in corso…',
    invalidPhone: 'Inserisci un numero di telefono valido.',
    failed: 'Qualcosa è andato storto. Riprova.',
  },
  pt: {
    open: 'Ligue para mim',
    title: 'Nós ligamos para você',
    phone: 'Telefone',
    country: 'País',
    name: 'Nome (opcional)',
    submit: 'Ligar',
    close: 'Fechar',
    checking: 'Verificando…',
    invalidPhone: 'Informe um telefone válido.',
    failed: 'Algo deu errado. Tente novamente.',
  },
  es: {
    open: 'Llámame',
    title: 'Te llamamos nosotros',
    phone: 'Teléfono',
    country: 'País',
    name: 'Nombre (opcional)',
    submit: 'Llamadme',
    close: 'Cerrar',
    checking: 'Comprobando…',
    invalidPhone: 'Introduce un teléfono válido.',
    failed: 'Algo ha fallado. Inténtalo de nuevo.',
  },
};

/** The page's language (the script tag's data-lang, then <html lang>, then the browser's), else English. */
export function pickLanguage(...candidates: (string | null | undefined)[]): Language {
  for (const candidate of candidates) {
    const tag = (candidate ?? '').slice(0, 2).toLowerCase();
    if (tag === 'en' || tag === 'it' || tag === 'pt' || tag === 'es') return tag;
  }
  return 'en';
}
