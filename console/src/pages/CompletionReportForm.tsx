// The completion report form: delivery dates and days, and the two deliverables the program requires
// (the completion report and a customer planning deliverable), each with its refusals at its fields.
import { useState, type FormEvent, type ReactNode } from 'react';
import { api, type Engagement } from '../api/client';
import { Field, FieldMessages, FormErrors } from '../components/Field';
import { useAction } from '../components/useForm';
import type { FieldErrors } from '../problems';
import { today, type ActionProps } from './EngagementActions';

interface DeliverableInput {
  title: string;
  uri: string;
  sha256: string;
}

const KINDS = [
  { kind: 'COMPLETION_REPORT', legend: 'Deliverable 1: the completion report', titleHint: undefined },
  {
    kind: 'CUSTOMER_PLANNING_DELIVERABLE',
    legend: 'Deliverable 2: the customer planning deliverable',
    titleHint: 'e.g. Vision and scope',
  },
] as const;

const FIELDS = [
  'consultantId',
  'deliveredFrom',
  'deliveredTo',
  'onSiteDays',
  'offSiteDays',
  ...[0, 1].flatMap((i) => ['title', 'uri', 'sha256'].map((key) => `deliverables.${i}.${key}`)),
  'deliverables',
];

function DeliverableFields(props: {
  index: number;
  value: DeliverableInput;
  onChange: (value: DeliverableInput) => void;
  errors: FieldErrors;
}): ReactNode {
  const { index, value, onChange, errors } = props;
  const kind = KINDS[index];
  const set = (key: keyof DeliverableInput) => (v: string) => onChange({ ...value, [key]: v });
  const name = (key: string) => `deliverables.${index}.${key}`;
  return (
    <fieldset>
      <legend>{kind.legend}</legend>
      <div className="row">
        <Field
          label="Title"
          name={name('title')}
          value={value.title}
          onChange={set('title')}
          errors={errors}
          required
          hint={kind.titleHint}
        />
        <Field
          label="Link (URI)"
          name={name('uri')}
          type="url"
          value={value.uri}
          onChange={set('uri')}
          errors={errors}
          required
        />
        <Field
          label="SHA-256"
          name={name('sha256')}
          value={value.sha256}
          onChange={set('sha256')}
          errors={errors}
          required
          hint="64 hex digits"
        />
      </div>
    </fieldset>
  );
}

export function CompletionReport({ engagement, onDone }: ActionProps): ReactNode {
  const r = engagement.reservation;
  const [form, setForm] = useState({
    consultantId: r?.consultantId ?? '',
    deliveredFrom: r?.startDate ?? today(),
    deliveredTo: r && r.endDate <= today() ? r.endDate : today(),
    onSiteDays: String(engagement.days),
    offSiteDays: '0',
  });
  const [deliverables, setDeliverables] = useState<DeliverableInput[]>([
    { title: 'Completion report', uri: '', sha256: '' },
    { title: '', uri: '', sha256: '' },
  ]);
  const action = useAction<Engagement>(FIELDS);
  const set = (key: keyof typeof form) => (value: string) => setForm({ ...form, [key]: value });
  async function submit(event: FormEvent) {
    event.preventDefault();
    const done = await action.run(() =>
      api.POST('/v1/engagements/{voucherId}/completion-report', {
        params: { path: { voucherId: engagement.voucherId } },
        body: {
          ...form,
          onSiteDays: Number(form.onSiteDays),
          offSiteDays: Number(form.offSiteDays),
          deliverables: deliverables.map((d, i) => ({ kind: KINDS[i].kind, ...d })),
        },
      }),
    );
    if (done) onDone(done);
  }
  const e = action.errors;
  return (
    <form className="card" onSubmit={(ev) => void submit(ev)} noValidate aria-labelledby="report-title">
      <h3 id="report-title">Completion report</h3>
      <div className="row">
        <Field
          label="Consultant ID"
          name="consultantId"
          value={form.consultantId}
          onChange={set('consultantId')}
          errors={e}
          required
        />
        <Field
          label="Delivered from"
          name="deliveredFrom"
          type="date"
          value={form.deliveredFrom}
          onChange={set('deliveredFrom')}
          errors={e}
          required
        />
        <Field
          label="Delivered to"
          name="deliveredTo"
          type="date"
          value={form.deliveredTo}
          onChange={set('deliveredTo')}
          errors={e}
          required
        />
      </div>
      <div className="row">
        <Field
          label="On-site days"
          name="onSiteDays"
          type="number"
          value={form.onSiteDays}
          onChange={set('onSiteDays')}
          errors={e}
          required
        />
        <Field
          label="Off-site days"
          name="offSiteDays"
          type="number"
          value={form.offSiteDays}
          onChange={set('offSiteDays')}
          errors={e}
          required
          hint="At most 3"
        />
      </div>
      {deliverables.map((d, i) => (
        <DeliverableFields
          key={KINDS[i].kind}
          index={i}
          value={d}
          errors={e}
          onChange={(value) => setDeliverables(deliverables.map((old, j) => (j === i ? value : old)))}
        />
      ))}
      <FieldMessages errors={e} name="deliverables" />
      <FormErrors errors={e} />
      <button type="submit" disabled={action.busy}>
        Submit the report
      </button>
    </form>
  );
}
