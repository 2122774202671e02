// A labelled form field whose refusals are shown right under it and announced (aria-describedby).
import { useId, type ReactNode } from 'react';
import type { FieldErrors } from '../problems';

interface FieldProps {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  errors: FieldErrors;
  type?: 'text' | 'email' | 'date' | 'number' | 'password' | 'url' | 'datetime-local';
  required?: boolean;
  hint?: string;
  options?: readonly { value: string; label: string }[];
  autoComplete?: string;
}

export function Field(props: FieldProps): ReactNode {
  const id = useId();
  const messages = props.errors.fields[props.name] ?? [];
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [props.hint ? hintId : '', messages.length ? errorId : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: props.name,
    value: props.value,
    required: props.required,
    'aria-invalid': messages.length > 0 || undefined,
    'aria-describedby': describedBy,
  };
  return (
    <div className={`field${messages.length ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>
        {props.label}
        {props.required ? <span aria-hidden="true"> *</span> : null}
      </label>
      {props.options ? (
        <select {...common} onChange={(e) => props.onChange(e.target.value)}>
          {props.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      ) : (
        <input
          {...common}
          type={props.type ?? 'text'}
          autoComplete={props.autoComplete}
          onChange={(e) => props.onChange(e.target.value)}
        />
      )}
      {props.hint ? (
        <p className="hint" id={hintId}>
          {props.hint}
        </p>
      ) : null}
      {messages.length ? (
        <ul className="field-error" id={errorId} data-field-error={props.name}>
          {messages.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** Messages of a refusal that name no field, shown above the form's buttons. */
export function FormErrors({ errors }: { errors: FieldErrors }): ReactNode {
  if (!errors.form.length) return null;
  return (
    <div className="form-error" role="alert">
      <ul>
        {errors.form.map((m) => (
          <li key={m}>{m}</li>
        ))}
      </ul>
    </div>
  );
}

/** A status line for a finished action (polite live region). */
export function Notice({ text }: { text: string }): ReactNode {
  return (
    <p className="notice" role="status">
      {text}
    </p>
  );
}

/** Refusals naming a group of fields (e.g. `deliverables`), shown under the group. */
export function FieldMessages({ errors, name }: { errors: FieldErrors; name: string }): ReactNode {
  const messages = errors.fields[name] ?? [];
  if (!messages.length) return null;
  return (
    <ul className="field-error" role="alert" data-field-error={name}>
      {messages.map((m) => (
        <li key={m}>{m}</li>
      ))}
    </ul>
  );
}
