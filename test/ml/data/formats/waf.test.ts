import { describe, expect, it } from 'vitest';
import { ABSENT_BYTES_IN, ABSENT_BYTES_OUT } from '../../../../src/ml/data/record.js';
import { readAll } from './read.js';

// The log example of the WAF developer guide (logging-fields), one object a line.
const BLOCKED = JSON.stringify({
  timestamp: 1576280412771,
  formatVersion: 1,
  webaclId: 'arn:aws:wafv2:ap-southeast-2:111122223333:regional/webacl/STMTest/1EXAMPLE-2ARN-3ARN-4ARN-123456EXAMPLE',
  terminatingRuleId: 'STMTest_SQLi_XSS',
  terminatingRuleType: 'REGULAR',
  action: 'BLOCK',
  terminatingRuleMatchDetails: [{ conditionType: 'SQL_INJECTION', location: 'UNKNOWN', matchedData: ['10', 'AND', '1'] }],
  httpSourceName: '-',
  httpSourceId: '-',
  ruleGroupList: [],
  rateBasedRuleList: [],
  nonTerminatingMatchingRules: [],
  httpRequest: {
    clientIp: '1.1.1.1',
    country: 'AU',
    headers: [
      { name: 'Host', value: 'localhost:1989' },
      { name: 'User-Agent', value: 'curl/7.61.1' },
    ],
    uri: '/myUri/',
    args: '',
    httpVersion: 'HTTP/1.1',
    httpMethod: 'GET',
    requestId: 'rid',
  },
  labels: [{ name: 'value' }],
});

/** The same request, as a managed rule group blocks and labels it (the fields of the developer guide's rule-group example). */
const MANAGED = JSON.stringify({
  ...JSON.parse(BLOCKED),
  terminatingRuleId: 'AWS-AWSManagedRulesSQLiRuleSet',
  terminatingRuleType: 'MANAGED_RULE_GROUP',
  terminatingRuleMatchDetails: [],
  ruleGroupList: [
    {
      ruleGroupId: 'AWS#AWSManagedRulesSQLiRuleSet',
      terminatingRule: { ruleId: 'SQLi_QUERYARGUMENTS', action: 'BLOCK', ruleMatchDetails: null },
      nonTerminatingMatchingRules: [],
      excludedRules: null,
    },
  ],
  labels: [{ name: 'awswaf:managed:aws:sql-database:SQLi_QueryArguments' }],
});

/** Let through by the web ACL's default action, one rule matching in count mode. */
const COUNTED = JSON.stringify({
  ...JSON.parse(BLOCKED),
  terminatingRuleId: 'Default_Action',
  terminatingRuleType: 'REGULAR',
  action: 'ALLOW',
  terminatingRuleMatchDetails: [],
  nonTerminatingMatchingRules: [{ ruleId: 'TestRule', action: 'COUNT', ruleMatchDetails: [] }],
  labels: undefined,
});

describe('waf', () => {
  it('reads a WAF log line: client, country, the epoch-ms timestamp, the action; no byte counts, both absent', () => {
    const { records } = readAll('waf', BLOCKED);
    expect(records[0]).toMatchObject({ srcIp: '1.1.1.1', country: 'AU', creationMs: 1576280412771, endMs: 1576280412771, action: 'BLOCK', dstPort: 1989, id: 1 });
    expect(records[0].absent).toBe(ABSENT_BYTES_IN | ABSENT_BYTES_OUT);
  });

  it('takes the country from the offline table when WAF gave none, and leaves a private address without one', () => {
    const line = BLOCKED.replace('"country":"AU",', '');
    expect(readAll('waf', line).records[0].country).toBe('AU'); // 1.1.1.0/24 in the table
    expect(readAll('waf', line.replace('"1.1.1.1"', '"10.0.0.8"')).records[0].country).toBeNull();
  });

  it("states what WAF decided as evidence: the terminating rule and its action, a rule group's own rule, count-mode rules, labels", () => {
    const [blocked, managed, counted] = readAll('waf', [BLOCKED, MANAGED, COUNTED].join('\n')).records;
    expect(blocked.evidence).toEqual(['WAF rule STMTest_SQLi_XSS blocked it', 'WAF labelled it value']);
    expect(managed.evidence).toEqual(['WAF rule group AWS-AWSManagedRulesSQLiRuleSet (rule SQLi_QUERYARGUMENTS) blocked it', 'WAF labelled it awswaf:managed:aws:sql-database:SQLi_QueryArguments']);
    expect(counted.evidence).toEqual(['WAF rule TestRule matched it without acting (count mode)']);
    // let through by default, nothing matched or labelled: nothing to state
    const plain = JSON.stringify({ ...JSON.parse(COUNTED), nonTerminatingMatchingRules: [] });
    expect(readAll('waf', plain).records[0]).not.toHaveProperty('evidence');
    // blocked by the web ACL's default action
    const byDefault = JSON.stringify({ ...JSON.parse(plain), action: 'BLOCK' });
    expect(readAll('waf', byDefault).records[0].evidence).toEqual(["WAF's default action blocked it (no rule matched)"]);
    // many labels: five named, the rest counted
    const many = JSON.stringify({ ...JSON.parse(BLOCKED), labels: Array.from({ length: 7 }, (_, i) => ({ name: `awswaf:111122223333:webacl:STMTest:l${i}` })) });
    expect(readAll('waf', many).records[0].evidence![1]).toMatch(/^WAF labelled it awswaf:111122223333:webacl:STMTest:l0, .*:l4 and 2 more$/);
  });

  it('names a malformed labels or terminatingRuleId field', () => {
    expect(() => readAll('waf', BLOCKED.replace('[{"name":"value"}]', '"value"'))).toThrow('waf line 1: labels must be an array of {"name": "..."}, got "value"');
    expect(() => readAll('waf', BLOCKED.replace('[{"name":"value"}]', '[{"name":7}]'))).toThrow('waf line 1: labels[0].name must be a string, got "7"');
    expect(() => readAll('waf', BLOCKED.replace('"STMTest_SQLi_XSS"', '42'))).toThrow('waf line 1: terminatingRuleId must be a string, got "42"');
  });

  it('names the line, the field, what was expected and the value of a bad line', () => {
    expect(() => readAll('waf', `${BLOCKED}\n${BLOCKED.replace('"1.1.1.1"', '"1.1.1"')}`)).toThrow('waf line 2: httpRequest.clientIp must be an IPv4 or IPv6 address, got "1.1.1"');
    expect(() => readAll('waf', BLOCKED.replace('1576280412771', '"2019-12-13T23:40:12Z"'))).toThrow('waf line 1: timestamp must be a non-negative integer, got "2019-12-13T23:40:12Z"');
    expect(() => readAll('waf', '{"timestamp": 1')).toThrow('waf line 1: record must be valid JSON');
    expect(() => readAll('waf', BLOCKED.replace('"AU"', '"Australia"'))).toThrow('waf line 1: httpRequest.country must be a 2-letter country code, got "Australia"');
  });
});
