import { describe, expect, it } from 'vitest';
import { type CopyMeasurement, resultLabel, stderrGist } from '../../../scripts/lib/bench-report.ts';
import { compareKeyBytes, firstOrderBreak } from '../../../scripts/lib/bucket-listing.ts';
import {
  describeFindings,
  findingCounts,
  keyDifferences,
  metadataDifferences,
  verificationPassed,
} from '../../../scripts/lib/copy-findings.ts';
import { parseSummaryTable, summaryCount } from '../../../scripts/lib/ferry-summary.ts';
import { markdownTable } from '../../../scripts/lib/markdown-table.ts';
import { parseGnuTimeOutput } from '../../../scripts/lib/measured-command.ts';
import { cpuTicksFromStat } from '../../../scripts/lib/process-cpu.ts';
import {
  addCounts,
  countsSince,
  describeCounts,
  noRequests,
  totalRequests,
} from '../../../scripts/lib/request-counts.ts';
import { commandLine } from '../../../scripts/lib/run-command.ts';

describe('metadataDifferences', () => {
  it('finds nothing when system and user metadata agree', () => {
    const metadata = { contentType: 'text/plain', cacheControl: 'no-cache', userMetadata: { a: '1' } };
    expect(metadataDifferences(metadata, { ...metadata, userMetadata: { a: '1' } })).toEqual([]);
  });

  it('names each differing system field and user metadata entry, added or lost', () => {
    const differences = metadataDifferences(
      {
        contentType: 'text/plain',
        expires: 'Wed, 01 Jan 2031 00:00:00 GMT',
        userMetadata: { kept: 'x', lost: 'y' },
      },
      { contentType: 'text/html', userMetadata: { kept: 'x', added: 'z' } },
    );
    expect(differences).toEqual([
      'contentType: "text/plain" -> "text/html"',
      'expires: "Wed, 01 Jan 2031 00:00:00 GMT" -> undefined',
      'x-amz-meta-added: undefined -> "z"',
      'x-amz-meta-lost: "y" -> undefined',
    ]);
  });
});

describe('keyDifferences and reports', () => {
  it('reports keys missing from the destination and extra ones in it', () => {
    const findings = keyDifferences(['a', 'b', 'c'], ['b', 'c', 'd']);
    expect(findings.map((finding) => [finding.kind, finding.key])).toEqual([
      ['missing', 'a'],
      ['extra', 'd'],
    ]);
    const report = { objects: 3, bytes: 30, findings };
    expect(verificationPassed(report)).toBe(false);
    expect(findingCounts(report)).toEqual({ missing: 1, extra: 1 });
    expect(describeFindings(report)).toContain('1 missing, 1 extra');
  });

  it('passes a report without findings', () => {
    expect(verificationPassed({ objects: 1, bytes: 1, findings: [] })).toBe(true);
  });
});

describe('resultLabel', () => {
  const base: CopyMeasurement = {
    copier: 'ferry',
    commandLines: [],
    exitCode: 0,
    timedOut: false,
    stderrTail: '',
    wallSec: 1,
    clientCpuSec: 1,
    maxRssBytes: 1,
    sourceRequests: noRequests,
    destinationRequests: noRequests,
    serverCpuSec: 1,
    loadBefore: 0.5,
  };
  it('separates metadata-only differences from content failures and exit codes', () => {
    expect(resultLabel({ ...base, verification: { objects: 1, bytes: 1, findings: [] } })).toBe('verified');
    const metadataOnly = {
      objects: 1,
      bytes: 1,
      findings: [{ kind: 'metadata' as const, key: 'k', detail: '' }],
    };
    expect(resultLabel({ ...base, verification: metadataOnly })).toBe(
      'content verified; metadata differs on 1 objects',
    );
    const content = { objects: 1, bytes: 1, findings: [{ kind: 'content' as const, key: 'k', detail: '' }] };
    expect(resultLabel({ ...base, exitCode: 2, verification: content })).toBe(
      'exit 2; FAILED verification: 1 content',
    );
    expect(resultLabel({ ...base, timedOut: true })).toBe('TIMED OUT');
  });
});

describe('stderrGist', () => {
  it('prefers error lines and otherwise keeps the last lines', () => {
    const crash = 'at x\nError [ERR_MODULE_NOT_FOUND]: Cannot find module a\n    at y\n\nNode.js v24.21.0\n';
    expect(stderrGist(crash)).toBe('Error [ERR_MODULE_NOT_FOUND]: Cannot find module a');
    expect(stderrGist('one\ntwo\nthree\nfour\n')).toBe('two / three / four');
  });
});

describe('key order', () => {
  it('compares by UTF-8 bytes, not UTF-16 code units', () => {
    expect(compareKeyBytes('a/b', 'a-c')).toBeGreaterThan(0);
    expect(compareKeyBytes('z\uFF5E', 'z\u{1F600}')).toBeLessThan(0);
  });

  it('finds the first listing entry out of order', () => {
    expect(firstOrderBreak(['A', 'a-c', 'a/b', 'a0'])).toBeUndefined();
    expect(firstOrderBreak(['A', 'a/b', 'a-c', 'a0'])).toEqual({ before: 'a/b', after: 'a-c' });
    expect(firstOrderBreak(['x', 'x'])).toEqual({ before: 'x', after: 'x' });
  });
});

describe('parseSummaryTable', () => {
  const output = [
    'some log line',
    '| mapping | run                          | copied | skipped | failed | bytes copied |',
    '|---------|------------------------------|--------|---------|--------|--------------|',
    '| demo    | demo-20261121T232243Z-ca32c1 | 0      | 1,009   | 0      | 0 B          |',
    '',
    'done',
  ].join('\n');

  it('reads rows by header name and counts with thousands separators', () => {
    const [row] = parseSummaryTable(output);
    expect(row?.run).toBe('demo-20261121T232243Z-ca32c1');
    expect(summaryCount(row, 'copied')).toBe(0);
    expect(summaryCount(row, 'skipped')).toBe(1009);
    expect(summaryCount(row, 'bytes copied')).toBeUndefined();
    expect(summaryCount(row, 'absent')).toBeUndefined();
  });

  it('returns no rows when there is no table', () => {
    expect(parseSummaryTable('nothing here')).toEqual([]);
  });
});

describe('measurement parsing', () => {
  it('reads GNU time output, also after a non-zero exit notice', () => {
    expect(parseGnuTimeOutput('1.50 0.70 0.30 20480\n')).toEqual({
      wallSec: 1.5,
      cpuSec: 1,
      maxRssBytes: 20480 * 1024,
    });
    expect(parseGnuTimeOutput('Command exited with non-zero status 3\n2.00 1.00 0.50 1024\n').cpuSec).toBe(
      1.5,
    );
    expect(() => parseGnuTimeOutput('Command terminated by signal 9\n')).toThrow(
      /unexpected GNU time output/,
    );
  });

  it('reads utime and stime from /proc/<pid>/stat even when the command name has spaces and parentheses', () => {
    const stat = '4242 (node (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 11 0 12345 0 0';
    expect(cpuTicksFromStat(stat)).toBe(325);
  });
});

describe('request counts', () => {
  const before = {
    byMethod: { GET: 2 },
    requestBodyBytes: 10,
    responseBodyBytes: 20,
    proxyErrors: 0,
    requestSeconds: 1,
    peakInFlight: 7,
  };
  const after = {
    byMethod: { GET: 5, PUT: 4 },
    requestBodyBytes: 110,
    responseBodyBytes: 50,
    proxyErrors: 1,
    requestSeconds: 4,
    peakInFlight: 3,
  };

  it('subtracts and adds readings method by method', () => {
    const since = countsSince(before, after);
    expect(since).toEqual({
      byMethod: { GET: 3, PUT: 4 },
      requestBodyBytes: 100,
      responseBodyBytes: 30,
      proxyErrors: 1,
      requestSeconds: 3,
      peakInFlight: 3,
    });
    expect(addCounts(since, before).peakInFlight).toBe(7);
    expect(totalRequests(addCounts(since, before))).toBe(9);
    expect(describeCounts(since)).toBe('GET 3, PUT 4');
    expect(describeCounts(countsSince(after, after))).toBe('none');
  });
});

describe('formatting', () => {
  it('quotes command-line words only where a shell needs it', () => {
    expect(
      commandLine({ command: 'rclone', args: ['copy', 'src:b', "it's here", '--transfers', '16'] }),
    ).toBe("rclone copy src:b 'it'\\''s here' --transfers 16");
  });

  it('renders markdown tables with escaped pipes and right-aligned columns', () => {
    const table = markdownTable({ headers: ['name', 'n'], rows: [['a|b', '1']], rightAligned: ['n'] });
    expect(table).toBe('| name | n |\n|---|---:|\n| a\\|b | 1 |');
  });
});
