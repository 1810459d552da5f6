import { describe, expect, it } from 'vitest';
import { asksForHuman } from './handoff.js';

describe('asksForHuman', () => {
  it.each([
    'Operator',
    'operator please',
    'Can I talk to a human?',
    'I want to speak with someone',
    'I need a real person',
    'human pls',
    'AGENT!',
    'Please transfer me to an agent',
    'Is there a representative I can talk to?',
    "I'd like to talk to someone about my order",
    'operatore',
    'Vorrei parlare con un operatore',
    'posso parlare con qualcuno?',
    'voglio un umano',
    'passami una persona per favore',
    'Atendente',
    'quero falar com alguém',
    'Quero falar com alguem',
    'preciso de um humano',
    'pessoa, por favor',
    'falar com uma pessoa de verdade',
    'OPERATÖR', // accents are ignored: "operatör" reads as "operator"
    "I'm not sure. Can I talk to a human?",
    'Not a bot, a human please',
    'Non riesco a capire, vorrei parlare con un operatore',
    'quiero hablar con una persona',
    'quiero hablar con alguien',
    '¿puedo hablar con un asesor?',
    'necesito un operador',
    'can someone from sales call me?',
    'qualcuno mi può chiamare?',
    'alguém pode me ligar?',
    '¿alguien me puede llamar?',
  ])('hands over for %j', (text) => {
    expect(asksForHuman(text)).toBe(true);
  });

  it.each([
    'I am a human resources manager',
    'I work in human resources',
    'Sono il responsabile delle risorse umane',
    'Trabalho com recursos humanos',
    "I'm a tour operator looking for a quote",
    'Sono un operatore turistico',
    'Sou atendente numa loja',
    'Are you a human?',
    'How much per person?',
    'Quanto costa a persona?',
    'Posso passare di persona?',
    'Qual o preço por pessoa?',
    'We need a table for one person next Friday',
    'My travel agent recommended you',
    'Hi, my name is John Smith',
    'Ciao, sono Maria Rossi',
    'Olá, meu nome é João',
    'Personally I think this is great',
    "I don't need a person, just the price",
    'Non voglio un operatore, solo il prezzo',
    'Não preciso de atendente, obrigado',
    'Can I speak to Maria about the order?',
    'No necesito una persona, solo el precio',
    'Soy operador logístico',
    'Somos una empresa de 20 personas',
    'We need a manager for the new shop',
    '',
  ])('does not hand over for %j', (text) => {
    expect(asksForHuman(text)).toBe(false);
  });
});
