import { createQualifier } from '../src/agent/qualifier/qualifier.js';
const msgs = process.argv.slice(2);
const agent = createQualifier();
let profile: any = { firstName: null, lastName: null, company: null, email: null };
let state: any = {}; let language: any = null; let companyNone = false;
for (const m of msgs) {
  const t = await agent.respond({ tenantId: 'x', conversationId: 'y', language, state, profile, profileComplete: false, companyNone,
    message: { type: 'text', text: m }, history: [], llm: null, settings: { defaultLanguage: 'en', requiredFields: ['first_name','last_name','company','email'], prompts: {} } });
  profile = { ...profile, ...t.profileUpdates }; state = t.state; language = t.language; if (t.profileMarks?.companyNone) companyNone = true;
  console.log('> ' + m + '\n< ' + t.replies.join('|').replace(/\n/g, ' / ') + (t.handoff ? ' [HANDOFF]' : ''));
}
console.log(JSON.stringify(profile), companyNone ? 'companyNone' : '');
