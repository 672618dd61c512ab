import Link from 'next/link';
import { formatPercent } from '@/lib/format';
import type { FindingFieldsFragment } from '@/lib/graphql/generated';
import { methodLabel } from '@/lib/tradeoff';

/**
 * What a repair may claim and what it saw: why it is not called repaired, the trade-offs between
 * clean accuracy and a known attack over its checkpoints (with the drop's 95% interval from the
 * held-out size), and what evidence of removal exists.
 */
export function RepairOutcome({ finding }: { finding: FindingFieldsFragment }) {
  const notRepaired = finding.verdict === 'NOT_REPAIRED';
  const showsAttack = finding.frontier.some((p) => p.attackSuccess !== null && p.attackSuccess !== undefined);
  const heldOut = finding.frontier[0]?.heldOutImages;
  // unlabelled trusted data is labelled by the suspect: the held-out figure is agreement with it
  const agreement = finding.dataset?.labelled === false;
  const heldOutFigure = agreement ? 'agreement with the suspect' : 'accuracy';
  return (
    <section className="card" aria-label={`${methodLabel(finding.method)} repair outcome`}>
      <h3>
        {methodLabel(finding.method)} repair: {notRepaired ? 'not repaired' : 'repaired'}
        {finding.runs && finding.runs > 1 ? ` after ${finding.runs} runs` : ''}
        {finding.keptRun ? <span className="muted small"> (kept run: {finding.keptRun})</span> : null}
      </h3>
      {notRepaired ? (
        <>
          <ul>
            {finding.reasons.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
          <p className="small">
            No new version was created. To accept a larger loss of held-out {heldOutFigure}, start the repair again with a budget
            above 2 points and a stated reason (recorded in the audit log); the table shows what each budget would buy.
          </p>
        </>
      ) : null}
      {!notRepaired && finding.evidence ? (
        <p className="small">
          {finding.evidence.kind === 'KNOWN_ATTACK' ? (
            <>
              Evidence: the known attack was measured before and after ({formatPercent(finding.asrBefore)} →{' '}
              {formatPercent(finding.asrAfter)}).
            </>
          ) : finding.evidence.verificationJob ? (
            <>
              Evidence: no attack was known, so the repaired version is scanned again{' '}
              <Link href={`/jobs/${encodeURIComponent(finding.evidence.verificationJob.id)}`}>
                (verification scan, {finding.evidence.verificationJob.state.toLowerCase()})
              </Link>
              ; its finding says whether a backdoor is still detected.
            </>
          ) : null}
        </p>
      ) : null}
      {finding.frontier.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption>
              Trade-offs seen{showsAttack ? ' (checkpoints no other beats on both figures)' : ''}, on {heldOut ?? '?'} held-out
              trusted images{agreement ? ', labelled by the suspect (the dataset has no labels)' : ''}; the drop's 95% interval
              shows how much of it is noise.
            </caption>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col" className="num">
                  Step
                </th>
                <th scope="col" className="num">
                  Held-out {heldOutFigure}
                </th>
                <th scope="col" className="num">
                  Drop (points, 95% interval)
                </th>
                {showsAttack ? (
                  <th scope="col" className="num">
                    Attack success
                  </th>
                ) : null}
                <th scope="col">Within budget</th>
              </tr>
            </thead>
            <tbody>
              {finding.frontier.map((p) => (
                <tr key={`${p.run}-${p.step}`}>
                  <td>{p.run}</td>
                  <td className="num">{p.step}</td>
                  <td className="num">{formatPercent(p.heldOutAccuracy)}</td>
                  <td className="num nowrap">
                    {p.drop.toFixed(1)} ({p.dropLow.toFixed(1)} to {p.dropHigh.toFixed(1)})
                  </td>
                  {showsAttack ? <td className="num">{formatPercent(p.attackSuccess)}</td> : null}
                  <td>{p.withinBudget ? 'yes' : 'no'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
