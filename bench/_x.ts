import { extractProfile } from '../src/agent/qualifier/extract.js';
const [text, asked, lang] = process.argv.slice(2);
console.log(JSON.stringify(extractProfile(text ?? '', { asked: (asked === 'null' ? null : asked) as any, language: (lang ?? 'en') as any, known: { firstName: 'Roberta', lastName: 'Ferri', company: null, email: null } })));
