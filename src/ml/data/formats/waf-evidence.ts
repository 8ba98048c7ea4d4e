/**
 * What AWS WAF itself decided about a request, as stated facts for the result's reasons: the
 * terminating rule and its action (a managed rule group's own rule when `ruleGroupList` names it),
 * the rules that matched in count mode, and the labels rules added
 * (https://docs.aws.amazon.com/waf/latest/developerguide/logging-fields.html). They are the WAF's
 * word, not the model's: never turned into a probability, never read by the detectors.
 */
import { fail } from './build.js';

/** Labels and count-mode rules named in full, at most; the rest are counted ("and 3 more"). */
const MAX_LISTED = 5;
/** Longest rule id or label quoted; longer ones are cut with an ellipsis. */
const MAX_NAME = 160;

const VERBS: Record<string, string> = { BLOCK: 'blocked it', ALLOW: 'allowed it', CAPTCHA: 'answered it with a CAPTCHA', CHALLENGE: 'challenged it', COUNT: 'counted it' };

function name(v: string): string {
  return v.length > MAX_NAME ? `${v.slice(0, MAX_NAME - 1)}…` : v;
}

function verb(action: string | null): string {
  return action === null ? 'matched it' : (VERBS[action.toUpperCase()] ?? `took action ${name(action)}`);
}

function list(names: readonly string[]): string {
  const shown = names.slice(0, MAX_LISTED).join(', ');
  return names.length > MAX_LISTED ? `${shown} and ${names.length - MAX_LISTED} more` : shown;
}

function optionalString(o: Record<string, unknown>, field: string, path = field): string | null {
  const v = o[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') fail(path, 'a string', v);
  return v;
}

function objects(v: unknown, field: string, expected: string): Record<string, unknown>[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x))) fail(field, expected, v);
  return v as Record<string, unknown>[];
}

/** The rule inside a managed or custom rule group that ended the evaluation, when the log names one. */
function groupRule(o: Record<string, unknown>): string | null {
  for (const g of objects(o.ruleGroupList, 'ruleGroupList', 'an array of rule group objects')) {
    const t = g.terminatingRule;
    if (t !== null && typeof t === 'object' && typeof (t as Record<string, unknown>).ruleId === 'string') return (t as Record<string, string>).ruleId;
  }
  return null;
}

/** The WAF's own statements about one log entry, for the result's reasons (empty: WAF let it through by default, labelling nothing). */
export function wafEvidence(o: Record<string, unknown>, action: string | null): string[] {
  const out: string[] = [];
  const rule = optionalString(o, 'terminatingRuleId');
  const type = optionalString(o, 'terminatingRuleType');
  if (rule !== null && rule !== 'Default_Action') {
    const inner = groupRule(o);
    const kind = type === 'RATE_BASED' ? 'rate-based rule' : type === 'GROUP' || type === 'MANAGED_RULE_GROUP' || inner !== null ? 'rule group' : 'rule';
    out.push(`WAF ${kind} ${name(rule)}${inner !== null ? ` (rule ${name(inner)})` : ''} ${verb(action)}`);
  } else if (action !== null && action.toUpperCase() !== 'ALLOW') {
    out.push(`WAF's default action ${verb(action)} (no rule matched)`);
  }
  const counted = objects(o.nonTerminatingMatchingRules, 'nonTerminatingMatchingRules', 'an array of {"ruleId": ..., "action": ...}')
    .map((r) => r.ruleId)
    .filter((id): id is string => typeof id === 'string');
  if (counted.length > 0) out.push(`WAF rule${counted.length > 1 ? 's' : ''} ${list(counted.map(name))} matched it without acting (count mode)`);
  const labels = objects(o.labels, 'labels', 'an array of {"name": "..."}').map((l, i) => {
    if (typeof l.name !== 'string') fail(`labels[${i}].name`, 'a string', l.name);
    return name(l.name);
  });
  if (labels.length > 0) out.push(`WAF labelled it ${list(labels)}`);
  return out;
}
