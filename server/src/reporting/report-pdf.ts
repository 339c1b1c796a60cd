import fs from 'node:fs';
import path from 'node:path';
import * as echarts from 'echarts';
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { ComplianceReport, Lang, TEXT } from './compliance';

/**
 * The compliance report as a PDF with charts. Charts are drawn by Apache ECharts' server-side SVG renderer (the same
 * library the console uses, so a chart reads the same on paper and on screen) and placed as vectors with
 * svg-to-pdfkit; pdfkit embeds a subset of Noto Sans CJK (Debian's fonts-noto-cjk), which carries both Latin and
 * Simplified Chinese, so one font serves both languages and nothing is fetched. Text stays text: pdftotext reads it.
 */
export interface ReportFonts {
  regular: { file: string; name: string };
  bold: { file: string; name: string };
}

/** Noto Sans CJK SC from a directory holding Debian's fonts-noto-cjk files. */
export function notoCjkFonts(dir: string): ReportFonts {
  const f = (file: string, name: string) => {
    const p = path.join(dir, file);
    if (!fs.existsSync(p))
      throw new Error(`report font ${p} is missing: install Debian's fonts-noto-cjk (or set HOTLINE_REPORT_FONT_DIR)`);
    return { file: p, name };
  };
  return {
    regular: f('NotoSansCJK-Regular.ttc', 'NotoSansCJKsc-Regular'),
    bold: f('NotoSansCJK-Bold.ttc', 'NotoSansCJKsc-Bold'),
  };
}

const MARGIN = 48;
const WIDTH = 595.28 - 2 * MARGIN; // A4
const COLORS = {
  inspected: '#2f7d32',
  notApplicable: '#8d8d8d',
  failed: '#c62828',
  pending: '#f9a825',
  line: '#1565c0',
};

function chartSvg(option: echarts.EChartsCoreOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({ animation: false, textStyle: { fontFamily: 'sans-serif' }, ...option });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)} %`);
const num = (x: number | null, digits = 1) => (x === null ? '–' : x.toFixed(digits));
const delta = (a: number | null, b: number | null, asPct: boolean) =>
  a === null || b === null
    ? '–'
    : `${a - b >= 0 ? '+' : ''}${asPct ? ((a - b) * 100).toFixed(1) + ' pt' : (a - b).toFixed(2)}`;

export function renderReportPdf(r: ComplianceReport, lang: Lang, fonts: ReportFonts): Promise<Buffer> {
  const t = TEXT[lang];
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    info: { Title: `${t.title} ${r.period.from} – ${r.period.to}`, Author: 'Hotline Appliance', Subject: r.id },
    lang: lang === 'zh' ? 'zh-CN' : 'en',
  });
  doc.registerFont('body', fonts.regular.file, fonts.regular.name);
  doc.registerFont('bold', fonts.bold.file, fonts.bold.name);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const bottom = () => doc.page.height - MARGIN - 20;
  const ensure = (h: number) => {
    if (doc.y + h > bottom()) doc.addPage();
  };
  const heading = (s: string) => {
    ensure(60);
    doc.moveDown(0.6).font('bold').fontSize(13).fillColor('#000').text(s, MARGIN, doc.y, { width: WIDTH });
    doc.moveDown(0.3);
  };
  const para = (s: string, size = 9, color = '#333') => {
    doc.font('body').fontSize(size).fillColor(color).text(s, MARGIN, doc.y, { width: WIDTH });
    doc.fillColor('#000');
  };
  /** a table with fixed relative column widths; wraps cells, repeats the header on a new page */
  const table = (header: string[], rows: string[][], widths: number[], size = 8) => {
    const total = widths.reduce((a, b) => a + b, 0);
    const ws = widths.map((w) => (w / total) * WIDTH);
    const drawRow = (cells: string[], bold: boolean) => {
      doc.font(bold ? 'bold' : 'body').fontSize(size);
      const h = Math.max(...cells.map((c, i) => doc.heightOfString(c, { width: ws[i] - 4 }))) + 4;
      if (doc.y + h > bottom()) {
        doc.addPage();
        if (!bold) drawRow(header, true);
        doc.font(bold ? 'bold' : 'body').fontSize(size);
      }
      const y = doc.y;
      if (bold) doc.rect(MARGIN, y, WIDTH, h).fill('#eceff1').fillColor('#000');
      let x = MARGIN;
      cells.forEach((c, i) => {
        doc.text(c, x + 2, y + 2, { width: ws[i] - 4 });
        x += ws[i];
      });
      doc
        .moveTo(MARGIN, y + h)
        .lineTo(MARGIN + WIDTH, y + h)
        .lineWidth(0.3)
        .strokeColor('#b0bec5')
        .stroke();
      doc.x = MARGIN;
      doc.y = y + h;
    };
    drawRow(header, true);
    for (const row of rows) drawRow(row, false);
    doc.moveDown(0.5);
  };
  const chart = (svg: string, h: number) => {
    ensure(h + 10);
    SVGtoPDF(doc, svg, MARGIN, doc.y, { width: WIDTH, height: h, fontCallback: () => 'body' });
    doc.y += h + 6;
    doc.x = MARGIN;
  };

  // ---- title block
  doc.font('bold').fontSize(20).text(t.title, { width: WIDTH });
  doc.moveDown(0.3);
  const scope =
    r.scope.kind === 'all'
      ? t.scopeAll
      : `${{ teams: t.scopeTeams, queues: t.scopeQueues, policy: t.scopePolicy }[r.scope.kind]}: ${r.scope.values.join(', ')}`;
  table(
    [t.metric, ''],
    [
      [t.period, `${r.period.from} – ${r.period.to} (UTC)`],
      [t.previousPeriod, `${r.previous.from} – ${r.previous.to}`],
      [t.scope, scope],
      [t.callerScope, r.callerScope],
      [t.generated, `${r.generatedAt} ${t.by} ${r.generatedBy}`],
      [t.reportId, r.id],
    ],
    [1, 3],
    9,
  );

  // ---- 1. coverage
  heading(t.coverage);
  para(t.coverageNote);
  doc.moveDown(0.3);
  const c = r.coverage.totals;
  table(
    [t.received, t.inspected, t.notApplicable, t.failed, t.pending, t.oldestPending],
    [[c.received, c.inspected, c.notApplicable, c.failed, c.pending, r.coverage.oldestPendingAgeS ?? '–'].map(String)],
    [1, 1, 1, 1, 1, 1.3],
    9,
  );
  if (r.coverage.days.length) {
    const days = r.coverage.days.map((d) => d.day.slice(5));
    const series = (name: string, key: 'inspected' | 'notApplicable' | 'failed' | 'pending') => ({
      name,
      type: 'bar',
      stack: 'all',
      data: r.coverage.days.map((d) => d[key]),
      itemStyle: { color: COLORS[key] },
    });
    chart(
      chartSvg(
        {
          title: { text: t.coverageChart, textStyle: { fontSize: 12 } },
          legend: { bottom: 0, textStyle: { fontSize: 9 } },
          grid: { left: 40, right: 10, top: 30, bottom: 50 },
          xAxis: { type: 'category', data: days, axisLabel: { fontSize: 8 } },
          yAxis: { type: 'value', minInterval: 1, axisLabel: { fontSize: 8 } },
          series: [
            series(t.inspected, 'inspected'),
            series(t.notApplicable, 'notApplicable'),
            series(t.failed, 'failed'),
            series(t.pending, 'pending'),
          ],
        },
        500,
        220,
      ),
      190,
    );
  }
  if (r.coverage.reasons.length) {
    para(t.reasons, 9, '#000');
    const cls = (x: string) =>
      ({ not_applicable: t.notApplicable, failed: t.failed, pending: t.pending, inspected: t.inspected })[x] ?? x;
    table(
      [t.class, t.code, t.detail, t.count],
      r.coverage.reasons.slice(0, 30).map((x) => [cls(x.accountedAs), x.code, x.detail, String(x.count)]),
      [1.2, 1.4, 4, 0.7],
    );
  }

  // ---- 2. quality
  heading(t.quality);
  const k = r.kpis;
  const line = (label: string, a: number | null, b: number | null, f: (x: number | null) => string, asPct = false) => [
    label,
    f(a),
    f(b),
    delta(a, b, asPct),
  ];
  table(
    [t.metric, t.thisPeriod, t.previousPeriod, t.change],
    [
      line(t.passRate, k.current.passRate, k.previous.passRate, pct, true),
      line(t.avgScore, k.current.avgScore, k.previous.avgScore, (x) => num(x, 1)),
      [t.scored, String(k.current.scored), String(k.previous.scored), String(k.current.scored - k.previous.scored)],
      [t.fatalVerdicts, String(k.current.fatal), String(k.previous.fatal), String(k.current.fatal - k.previous.fatal)],
      line(t.avgHandle, k.current.avgHandleS, k.previous.avgHandleS, (x) => num(x, 1)),
      line(t.silenceRatio, k.current.silenceRatio, k.previous.silenceRatio, pct, true),
      line(t.overtalkPerCall, k.current.overtalkPerCall, k.previous.overtalkPerCall, (x) => num(x, 2)),
      line(t.talkRatio, k.current.talkRatio, k.previous.talkRatio, pct, true),
      line(t.sentimentEnd, k.current.sentimentEnd, k.previous.sentimentEnd, (x) => num(x, 2)),
      line(t.escalationRate, k.current.escalationRate, k.previous.escalationRate, pct, true),
      line(t.repeatRate, k.current.repeatContactRate, k.previous.repeatContactRate, pct, true),
    ],
    [2.4, 1, 1, 1],
  );
  if (r.passByDay.length) {
    chart(
      chartSvg(
        {
          title: { text: t.passTrend, textStyle: { fontSize: 12 } },
          grid: { left: 40, right: 10, top: 30, bottom: 25 },
          xAxis: { type: 'category', data: r.passByDay.map((d) => d.day.slice(5)), axisLabel: { fontSize: 8 } },
          yAxis: { type: 'value', min: 0, max: 100, axisLabel: { fontSize: 8, formatter: '{value}%' } },
          series: [
            {
              type: 'line',
              data: r.passByDay.map((d) => (d.passRate === null ? null : Number((d.passRate * 100).toFixed(1)))),
              itemStyle: { color: COLORS.line },
              connectNulls: true,
            },
          ],
        },
        500,
        180,
      ),
      160,
    );
  }

  // ---- 3. rules
  heading(t.rules);
  if (!r.rules.length) para(t.none);
  else {
    const top = r.rules
      .filter((x) => x.failed > 0)
      .sort((a, b) => b.failed - a.failed)
      .slice(0, 12);
    if (top.length)
      chart(
        chartSvg(
          {
            grid: { left: 140, right: 20, top: 10, bottom: 20 },
            xAxis: { type: 'value', minInterval: 1, axisLabel: { fontSize: 8 } },
            yAxis: {
              type: 'category',
              inverse: true,
              data: top.map((x) => x.ruleId),
              axisLabel: { fontSize: 8 },
            },
            series: [
              {
                type: 'bar',
                data: top.map((x) => ({
                  value: x.failed,
                  itemStyle: { color: x.severity === 'fatal' ? COLORS.failed : COLORS.pending },
                })),
              },
            ],
          },
          500,
          Math.max(80, top.length * 18 + 30),
        ),
        Math.max(70, top.length * 16 + 26),
      );
    table(
      [t.rule, t.severity, t.evaluated, t.failed, t.failRate, t.previousFailRate, t.overturned],
      r.rules.map((x) => [
        `${x.title} (${x.policyId}/${x.ruleId})`,
        x.severity === 'fatal' ? t.fatalSeverity : t.standardSeverity,
        String(x.evaluated),
        String(x.failed),
        pct(x.failRate),
        pct(x.previousFailRate),
        String(x.overturned),
      ]),
      [4, 1, 1, 0.9, 1, 1, 1],
    );
  }

  // ---- 4. fatal findings
  heading(t.fatalFindings);
  para(t.fatalNote);
  doc.moveDown(0.3);
  if (!r.fatal.items.length) para(t.none);
  else {
    const shown = r.fatal.items.slice(0, 60);
    table(
      [t.conversation, t.started, `${t.team} / ${t.agent}`, t.rule, t.evidence, t.review],
      shown.map((f) => [
        f.conversationId,
        f.startedAt.replace('T', ' ').slice(0, 16),
        `${f.teamId ?? '–'} / ${f.agentId ?? '–'}`,
        f.ruleId,
        f.evidence,
        f.reviewState ?? '–',
      ]),
      [2.6, 1.3, 1.4, 1.5, 1.2, 1],
      7,
    );
    if (r.fatal.total > shown.length) para(`+${r.fatal.total - shown.length} ${t.moreInCsv}`);
  }

  // ---- 5. reviews
  heading(t.reviewsTitle);
  table(
    [t.metric, t.count],
    [
      [t.confirmed, String(r.reviews.confirmed)],
      [t.overturnedFindings, String(r.reviews.overturned)],
      [t.disputesOpen, String(r.reviews.disputes.open ?? 0)],
      [t.disputesAccepted, String(r.reviews.disputes.accepted ?? 0)],
      [t.disputesRejected, String(r.reviews.disputes.rejected ?? 0)],
    ],
    [3, 1],
  );

  // ---- 6. in force
  heading(t.inForceTitle);
  table(
    [t.policy, t.version, t.hash, t.verdicts],
    r.inForce.policies.map((p) => [p.policyId, String(p.version), p.hash, String(p.verdicts)]),
    [1.3, 0.6, 4.2, 0.8],
    7,
  );
  table(
    [t.task, t.model, t.verdicts],
    r.inForce.models.map((m) => [m.task, m.model, String(m.verdicts)]),
    [1, 5, 0.8],
    7,
  );

  // ---- 7. checkpoint
  heading(t.checkpointTitle);
  if (!r.checkpoint) para(t.noCheckpoint);
  else {
    para(r.checkpoint.coversPeriod ? t.checkpointCovers : t.checkpointLatest);
    doc.moveDown(0.3);
    table(
      [t.seq, t.at, t.keyId, t.hash],
      [[String(r.checkpoint.seq), r.checkpoint.at, r.checkpoint.keyId, r.checkpoint.hash]],
      [0.7, 1.8, 1.3, 4],
      7,
    );
  }
  doc.moveDown(0.5);
  para(t.verifyNote, 8, '#555');

  // ---- footer on every page
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // text below the bottom margin would open a new page: the footer lives in the margin
    doc.page.margins.bottom = 0;
    doc
      .font('body')
      .fontSize(7)
      .fillColor('#777')
      .text(
        `${t.title} · ${r.period.from} – ${r.period.to} · ${r.id} · ${lang === 'zh' ? `${t.page} ${i + 1} 页 / 共 ${range.count} 页` : `${t.page} ${i + 1} / ${range.count}`}`,
        MARGIN,
        doc.page.height - MARGIN + 10,
        { width: WIDTH, align: 'center', lineBreak: false },
      );
  }
  doc.end();
  return done;
}
