// Back-office: start an engagement (the customer assigned a voucher to its project manager).
import { useState, type FormEvent, type ReactNode } from 'react';
import { useNavigate } from 'react-router';
import { api, type Engagement, type Schemas } from '../api/client';
import { useCatalog } from '../catalog';
import { Field, FormErrors } from '../components/Field';
import { useAction } from '../components/useForm';

type Start = Schemas['StartEngagementRequest'];

export function StartEngagement(): ReactNode {
  const catalog = useCatalog();
  const navigate = useNavigate();
  const [form, setForm] = useState({
    voucherId: '',
    offering: 'DDPS',
    engagementType: '',
    days: '1',
    assignedAt: new Date().toISOString().slice(0, 16),
    agreementNumber: '',
    name: '',
    country: '',
    projectManagerEmail: '',
    enrollmentEndsAt: '',
  });
  const set = (key: keyof typeof form) => (value: string) => setForm({ ...form, [key]: value });
  const fields = [
    'voucherId',
    'offering',
    'engagementType',
    'days',
    'assignedAt',
    'customer.agreementNumber',
    'customer.name',
    'customer.country',
    'customer.projectManagerEmail',
    'customer.enrollmentEndsAt',
  ];
  const action = useAction<Engagement>(fields);
  const offering = catalog?.offerings.find((o) => o.code === form.offering);
  const types = offering?.engagementTypes ?? [];
  const type = types.find((t) => t.code === form.engagementType) ?? types[0];
  async function submit(event: FormEvent) {
    event.preventDefault();
    const body: Start = {
      voucherId: form.voucherId.trim(),
      offering: form.offering as Start['offering'],
      engagementType: (type?.code ?? form.engagementType) as Start['engagementType'],
      days: Number(form.days),
      // The local date and time typed, as an instant.
      assignedAt: new Date(form.assignedAt).toISOString(),
      customer: {
        agreementNumber: form.agreementNumber.trim(),
        name: form.name.trim(),
        country: form.country.trim(),
        projectManagerEmail: form.projectManagerEmail.trim(),
        enrollmentEndsAt: form.enrollmentEndsAt,
      },
    };
    const done = await action.run(() => api.POST('/v1/engagements', { body }));
    if (done) void navigate(`/engagements/${encodeURIComponent(done.voucherId)}`);
  }
  const e = action.errors;
  return (
    <section className="narrow">
      <h1>Start an engagement</h1>
      <form onSubmit={(ev) => void submit(ev)} noValidate>
        <Field
          label="Voucher ID"
          name="voucherId"
          value={form.voucherId}
          onChange={set('voucherId')}
          errors={e}
          required
        />
        <div className="row">
          <Field
            label="Offering"
            name="offering"
            value={form.offering}
            onChange={(v) => setForm({ ...form, offering: v, engagementType: '' })}
            errors={e}
            options={(catalog?.offerings ?? []).map((o) => ({ value: o.code, label: `${o.code}: ${o.name}` }))}
          />
          <Field
            label="Engagement type"
            name="engagementType"
            value={type?.code ?? ''}
            onChange={set('engagementType')}
            errors={e}
            options={types.map((t) => ({ value: t.code, label: t.name }))}
          />
        </div>
        <div className="row">
          <Field
            label="Days"
            name="days"
            value={form.days}
            onChange={set('days')}
            errors={e}
            options={(type?.allowedDays ?? [1, 3, 5, 10, 15]).map((d) => ({ value: String(d), label: String(d) }))}
          />
          <Field
            label="Assigned at (your local time)"
            name="assignedAt"
            type="datetime-local"
            value={form.assignedAt}
            onChange={set('assignedAt')}
            errors={e}
            required
          />
        </div>
        <fieldset>
          <legend>Customer</legend>
          <div className="row">
            <Field
              label="Agreement number"
              name="customer.agreementNumber"
              value={form.agreementNumber}
              onChange={set('agreementNumber')}
              errors={e}
              required
            />
            <Field
              label="Customer name"
              name="customer.name"
              value={form.name}
              onChange={set('name')}
              errors={e}
              required
            />
          </div>
          <div className="row">
            <Field
              label="Country"
              name="customer.country"
              value={form.country}
              onChange={set('country')}
              errors={e}
              required
              hint="ISO code, e.g. US"
            />
            <Field
              label="Project manager's e-mail"
              name="customer.projectManagerEmail"
              type="email"
              value={form.projectManagerEmail}
              onChange={set('projectManagerEmail')}
              errors={e}
              required
            />
            <Field
              label="Enrollment ends"
              name="customer.enrollmentEndsAt"
              type="date"
              value={form.enrollmentEndsAt}
              onChange={set('enrollmentEndsAt')}
              errors={e}
              required
            />
          </div>
        </fieldset>
        <FormErrors errors={e} />
        <button type="submit" disabled={action.busy}>
          Start the engagement
        </button>
      </form>
    </section>
  );
}
