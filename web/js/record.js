// One record: a form prefilled with the first row of the real dataset, answered as /score answers it.
import { scoreOne } from './api.js';
import { badge, el } from './dom.js';

export const EXAMPLE = {
  bytes_in: '5602',
  bytes_out: '12990',
  creation_time: '2024-04-25T23:00:00Z',
  end_time: '2024-04-25T23:10:00Z',
  src_ip: '147.161.161.82',
  src_ip_country_code: 'AE',
  protocol: 'HTTPS',
  'response.code': '200',
  dst_port: '443',
  dst_ip: '10.138.69.97',
};

export function wireRecord(form, out, showError) {
  for (const [key, value] of Object.entries(EXAMPLE)) {
    const label = document.createElement('label');
    label.textContent = key;
    const input = document.createElement('input');
    input.name = key;
    input.value = value;
    label.append(input);
    form.append(label);
  }
  const button = document.createElement('button');
  button.type = 'submit';
  button.textContent = 'Score';
  form.append(button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const record = {};
    for (const input of form.querySelectorAll('input')) if (input.value.trim() !== '') record[input.name] = input.value.trim();
    try {
      const r = await scoreOne(record);
      const p = el('p');
      p.append(badge(r.verdict), ' ', badge(r.risk_level), ` anomaly score ${r.anomaly_score.toFixed(3)}, classifier risk ${r.risk_probability.toFixed(2)}`);
      const ul = el('ul');
      for (const reason of r.reasons.length ? r.reasons : ['no reasons: a plainly normal record']) ul.append(el('li', reason));
      out.replaceChildren(p, ul);
    } catch (err) {
      showError(err.message);
    }
  });
}
