/**
 * `npm run eval:agent`: the scripted conversations of agent-conversations.ts through the LLM agent (the
 * fake OpenAI server answering each call from the script, the real SDK, router, budgets, validation and
 * guardrails, on PostgreSQL: embedded unless BENCH_DATABASE_URL names a server) and through the built-in
 * qualifier; the customer conversations of customer-conversations.ts (written from how customers type,
 * without model scripts) through the qualifier. Prints field-level precision, recall and F1 of the profile
 * after the customer's last message against the gold one, per field and per language, every conversation
 * with a wrong field, and guardrail figures: claims in the model's drafts, claims that reached a customer,
 * handoffs asked for and honoured.
 */
import '../test/support/encryption-setup.js';
import { randomBytes } from 'node:crypto';
import type { Agent, AgentInput, Profile } from '../src/agent/agent.js';
import { unsupportedClaims } from '../src/agent/llm/guardrails.js';
import { createLlmAgent } from '../src/agent/llm/llm-agent.js';
import { LLM_KEY_PURPOSE, NO_LLM_LIMITS, saveLlmSettings } from '../src/agent/llm/llm-settings.repository.js';
import { createQualifier } from '../src/agent/qualifier/qualifier.js';
import { SecretBox } from '../src/platform/crypto/secret-box.js';
import { createDb, createPool } from '../src/platform/db/database.js';
import { withTenant } from '../src/platform/db/tenant-context.js';
import { createLogger } from '../src/platform/logging/logger.js';
import { createTenant } from '../src/tenants/tenants.repository.js';
import { startFakeOpenAi } from '../test/fakes/openai-server.js';
import { TEST_SECRET_KEY, testConfig } from '../test/support/config.js';
import { createMigratedDatabase, startTestPostgres } from '../test/support/postgres.js';
import { CONVERSATIONS, KNOWLEDGE, type ScriptedConversation } from './agent-conversations.js';
import { CUSTOMER_CONVERSATIONS } from './customer-conversations.js';

const FIELDS = ['firstName', 'lastName', 'company', 'email'] as const;
const EMPTY: Profile = { firstName: null, lastName: null, company: null, email: null };

interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

interface RunResult {
  counts: Counts;
  perField: Record<(typeof FIELDS)[number], Counts>;
  perLanguage: Map<string, Counts>;
  sentViolations: number;
  /** Replies that stated a claim, with the conversation, for the failure list. */
  violatingReplies: string[];
  handoffs: number;
  handoffsExpected: number;
  handoffsMissed: string[];
  replies: number;
  failures: string[];
}

const normalise = (value: string | null) => value?.trim().toLowerCase() ?? null;

function score(result: RunResult, predicted: Profile, conversation: ScriptedConversation): void {
  const { gold, language, id } = conversation;
  const wrong: string[] = [];
  const languageCounts = result.perLanguage.get(language) ?? { tp: 0, fp: 0, fn: 0 };
  result.perLanguage.set(language, languageCounts);
  for (const field of FIELDS) {
    const guess = normalise(predicted[field]);
    const truth = normalise(gold[field]);
    if (guess !== truth)
      wrong.push(`${field}: got ${JSON.stringify(predicted[field])}, want ${JSON.stringify(gold[field])}`);
    const bucket = result.perField[field];
    for (const counts of [result.counts, bucket, languageCounts]) {
      if (guess !== null && guess === truth) counts.tp++;
      else {
        if (guess !== null) counts.fp++;
        if (truth !== null) counts.fn++;
      }
    }
  }
  if (wrong.length > 0) result.failures.push(`${id}: ${wrong.join('; ')}`);
}

function emptyResult(): RunResult {
  const zero = () => ({ tp: 0, fp: 0, fn: 0 });
  return {
    counts: zero(),
    perField: { firstName: zero(), lastName: zero(), company: zero(), email: zero() },
    perLanguage: new Map(),
    sentViolations: 0,
    violatingReplies: [],
    handoffs: 0,
    handoffsExpected: 0,
    handoffsMissed: [],
    replies: 0,
    failures: [],
  };
}

async function converse(
  agent: Agent,
  conversation: ScriptedConversation,
  tenantId: string,
  llm: AgentInput['llm'],
  beforeTurn: (turn: ScriptedConversation['turns'][number]) => void,
  result: RunResult,
): Promise<void> {
  let profile = { ...EMPTY };
  let companyNone = false;
  let handedOver = false;
  let state: Record<string, unknown> = {};
  let language: AgentInput['language'] = null;
  const history: AgentInput['history'][number][] = [];
  const conversationId = crypto.randomUUID();
  for (const turn of conversation.turns) {
    beforeTurn(turn);
    const output = await agent.respond({
      tenantId,
      conversationId,
      language,
      state,
      profile,
      profileComplete: FIELDS.every(
        (field) => profile[field] !== null || (field === 'company' && companyNone),
      ),
      companyNone,
      message: { type: 'text', text: turn.customer },
      history: [...history],
      llm,
      settings: {
        defaultLanguage: conversation.language,
        requiredFields: ['first_name', 'last_name', 'company', 'email'],
        prompts: {},
      },
    });
    profile = { ...profile, ...output.profileUpdates };
    if (output.profileUpdates.company) companyNone = false;
    if (output.profileMarks?.companyNone) companyNone = true;
    state = output.state;
    language = output.language;
    history.push({ author: 'customer', text: turn.customer });
    for (const reply of output.replies) {
      result.replies++;
      const claims = unsupportedClaims(reply, { text: KNOWLEDGE, amounts: [] }).length;
      result.sentViolations += claims;
      if (claims > 0) result.violatingReplies.push(`${conversation.id}: ${reply.replace(/\n/g, ' ')}`);
      history.push({ author: 'bot', text: reply });
    }
    if (output.handoff) {
      result.handoffs++;
      handedOver = true;
      break;
    }
  }
  if (conversation.expectHandoff) {
    result.handoffsExpected++;
    if (!handedOver) result.handoffsMissed.push(conversation.id);
  }
  score(result, profile, conversation);
}

const f = (value: number) => (Number.isFinite(value) ? value.toFixed(3) : '  n/a');
function prf(counts: Counts): [string, string, string] {
  const precision = counts.tp / (counts.tp + counts.fp);
  const recall = counts.tp / (counts.tp + counts.fn);
  return [f(precision), f(recall), f((2 * precision * recall) / (precision + recall))];
}

async function main() {
  const logger = createLogger({ level: 'silent', secrets: [] });
  const postgres = await startTestPostgres(process.env.BENCH_DATABASE_URL, logger);
  const openai = await startFakeOpenAi();
  const name = `leadline_eval_${randomBytes(4).toString('hex')}`;
  const { appUrl } = await createMigratedDatabase(
    postgres.adminUrl,
    name,
    randomBytes(18).toString('base64url'),
    logger,
  );
  const db = createDb(createPool({ connectionString: appUrl, max: 2, applicationName: 'eval-agent' }));
  const config = testConfig({ OUTBOUND_ALLOW_PRIVATE_HOSTS: openai.hostPort, LLM_MAX_RETRIES: '0' });
  const llmAgent = createLlmAgent({ db, config, fallback: createQualifier(), logger });
  try {
    const tenantId = (await createTenant(db, { name: 'Eval' })).id;
    const llm = await withTenant(db, tenantId, (trx) =>
      saveLlmSettings(trx, {
        enabled: true,
        providers: [
          {
            id: crypto.randomUUID(),
            kind: 'openai',
            baseUrl: openai.baseUrl,
            model: 'gpt-4o-mini',
            apiKeySealed: new SecretBox(TEST_SECRET_KEY, LLM_KEY_PURPOSE).seal('sk-eval-key'),
            apiKeyHint: null,
            timeoutMs: 5000,
          },
        ],
        persona: 'You are the assistant of Acme Coffee.',
        knowledge: KNOWLEDGE,
        limits: NO_LLM_LIMITS,
        historyTokens: 1500,
        maxOutputTokens: 600,
        failuresBeforeHandoff: 3,
      }),
    );
    let drafts = 0;
    let draftViolations = 0;
    const llmResult = emptyResult();
    const qualifierResult = emptyResult();
    for (const conversation of CONVERSATIONS) {
      await converse(
        llmAgent,
        conversation,
        tenantId,
        llm,
        (turn) => {
          openai.reset();
          for (const output of turn.model) {
            drafts++;
            draftViolations +=
              unsupportedClaims(output.reply, { text: KNOWLEDGE, amounts: [] }).length > 0 ? 1 : 0;
            openai.script({
              kind: 'json',
              value: { quoteLines: [], handoff: false, handoffReason: null, ...output },
            });
          }
        },
        llmResult,
      );
      await converse(createQualifier(), conversation, tenantId, null, () => {}, qualifierResult);
    }
    // The customer conversations have no model script: the qualifier alone answers them.
    const customerResult = emptyResult();
    for (const conversation of CUSTOMER_CONVERSATIONS) {
      await converse(createQualifier(), conversation, tenantId, null, () => {}, customerResult);
    }

    const fields = CONVERSATIONS.length * FIELDS.length;
    const customerFields = CUSTOMER_CONVERSATIONS.length * FIELDS.length;
    console.log(
      `Agent evaluation: ${CONVERSATIONS.length} scripted conversations (LLM agent and qualifier), ${fields} profile fields;`,
    );
    console.log(
      `  ${CUSTOMER_CONVERSATIONS.length} customer conversations (qualifier), ${customerFields} profile fields\n`,
    );
    console.log('Profile extraction, field level      precision  recall     F1');
    for (const [label, result] of [
      ['LLM agent (scripted model)', llmResult],
      ['Built-in qualifier (scripted set)', qualifierResult],
      ['Built-in qualifier (customer set)', customerResult],
    ] as const) {
      const [p, r, f1] = prf(result.counts);
      console.log(`  ${label.padEnd(34)} ${p}      ${r}     ${f1}`);
      for (const field of FIELDS) {
        const [fp, fr, ff] = prf(result.perField[field]);
        console.log(`    ${field.padEnd(32)} ${fp}      ${fr}     ${ff}`);
      }
      for (const [language, counts] of [...result.perLanguage].sort()) {
        const [lp, lr, lf] = prf(counts);
        console.log(`    language ${language.padEnd(23)} ${lp}      ${lr}     ${lf}`);
      }
    }
    const all = emptyResult();
    for (const part of [qualifierResult, customerResult]) {
      for (const key of ['tp', 'fp', 'fn'] as const) all.counts[key] += part.counts[key];
    }
    const [ap, ar, af] = prf(all.counts);
    console.log(`  ${'Built-in qualifier, both sets'.padEnd(34)} ${ap}      ${ar}     ${af}`);
    console.log('\nGuardrails');
    console.log(`  model drafts                         ${drafts}`);
    console.log(`  drafts stating unsupported claims    ${draftViolations}`);
    console.log(
      `  violations in sent replies, LLM      ${llmResult.sentViolations} (of ${llmResult.replies} replies)`,
    );
    console.log(
      `  violations in sent replies, qualifier ${qualifierResult.sentViolations} (of ${qualifierResult.replies} replies)`,
    );
    console.log(`  handoffs, LLM / qualifier            ${llmResult.handoffs} / ${qualifierResult.handoffs}`);
    console.log(
      `  violations in sent replies, qualifier (customer set) ${customerResult.sentViolations} (of ${customerResult.replies} replies)`,
    );
    console.log(
      `  handoffs asked for / honoured (customer set)         ${customerResult.handoffsExpected} / ${
        customerResult.handoffsExpected - customerResult.handoffsMissed.length
      }`,
    );
    for (const [label, result] of [
      ['LLM agent (scripted model)', llmResult],
      ['qualifier (scripted set)', qualifierResult],
      ['qualifier (customer set)', customerResult],
    ] as const) {
      const problems = [
        ...result.failures,
        ...result.violatingReplies.map((line) => `claim in reply: ${line}`),
        ...result.handoffsMissed.map((id) => `${id}: handoff asked for, not given`),
      ];
      console.log(`\nFailing conversations, ${label}: ${problems.length}`);
      for (const line of problems) console.log(`  ${line}`);
    }
  } finally {
    await llmAgent.close();
    await db.destroy();
    await openai.close();
    await postgres.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
