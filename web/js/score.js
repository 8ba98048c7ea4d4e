// Score a file: the file goes up to POST /jobs as it is (upload progress), the job is followed until it
// ends (scoring progress), then its results are read once for the totals, charts and riskiest sessions,
// and the table pages through them at the service. The job's id is in the page's address (?job=ID), so
// a reload or a second tab follows the same job.
import { ApiError, getModel } from './api.js';
import { parseCsv } from './csv.js';
import { Digest, itemReader } from './digest.js';
import { explain, formatOf, LOG_FORMATS, unreadable } from './files.js';
import { Canceled, createJob, deleteJob, resultsBlob, scanResults, waitForJob } from './jobs.js';
import { showReport, showSkipped } from './report.js';

const $ = (sel) => document.querySelector(sel);
const FORMAT_OF_JOB = { csv: 'CSV', ndjson: 'NDJSON', records: 'JSON' };
const n = (v) => v.toLocaleString('en-US');
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

export class Scorer {
  constructor({ table, showError, clearError }) {
    Object.assign(this, { table, showError, clearError });
    this.generation = 0; // a newer file (or job) makes an older one's progress and results stale
    this.job = null; // { id, fileName } of the results on screen
    this.working = null; // { fileName, upload: AbortController, jobId } while a file goes up or is scored
    $('#cancel').addEventListener('click', () => this.cancel());
  }

  /** Shows or hides the Cancel button with what it would cancel. */
  setWorking(working) {
    this.working = working;
    $('#cancel').hidden = working === null;
  }

  /** Stops the upload, or cancels and removes the job (DELETE /jobs/{id}), and says so. */
  async cancel() {
    const working = this.working;
    if (!working) return;
    this.setWorking(null);
    ++this.generation; // the upload's and the polling's updates stop
    working.upload?.abort();
    $('#progress').hidden = true;
    $('#status').textContent = `${working.fileName} was not scored: you canceled it.`;
    const url = new URL(location.href);
    url.searchParams.delete('job');
    url.searchParams.delete('file');
    history.replaceState(null, '', url);
    if (working.jobId) await deleteJob(working.jobId).catch((err) => this.showError(`the job could not be canceled: ${err.message}`));
  }

  /** What the user sees when a file is not scored: the status says so, the error box says why. */
  notScored(fileName, why, statusText = 'fix the file and drop it again.') {
    this.setWorking(null);
    $('#progress').hidden = true;
    $('#status').textContent = `${fileName} was not scored: ${statusText}`;
    this.showError(why);
  }

  /** Hides the previous file's results: no figure is ever shown under another file's name. */
  reset() {
    this.clearError();
    $('#results').hidden = true;
    this.job = null;
    this.setWorking(null);
    return ++this.generation;
  }

  async scoreFile(file) {
    const generation = this.reset();
    const progress = $('#progress');
    const status = $('#status');
    let kind;
    try {
      kind = await formatOf(file, $('#log-format').value);
    } catch (err) {
      return this.notScored(file.name, unreadable(file.name, err), 'the browser could not read it.');
    }
    $('#format-detected').textContent = kind.detected ? `Detected: ${kind.format}${kind.gzip ? ', gzipped' : ''}` : `Read as: ${kind.format}${kind.gzip ? ', gzipped' : ''}`;
    if (file.size === 0) return this.notScored(file.name, `${file.name} (${kind.format}) is empty: it holds no records`);
    progress.hidden = false;
    progress.max = 1;
    progress.value = 0;
    status.textContent = `Uploading ${file.name} (${kind.format}, ${mb(file.size)})…`;
    let job;
    const upload = new AbortController();
    this.setWorking({ fileName: file.name, upload });
    try {
      job = await createJob(
        file,
        kind,
        (sent, total) => {
          if (generation !== this.generation) return;
          progress.value = total > 0 ? sent / total : 0;
          status.textContent = `Uploading ${file.name} (${kind.format}): ${mb(sent)} of ${mb(total)}`;
        },
        upload.signal,
        $('#skip').checked,
      );
    } catch (err) {
      if (generation !== this.generation || err instanceof Canceled) return;
      return this.notScored(file.name, err instanceof ApiError ? explain(file.name, kind.format, err.detail) : err.message, err instanceof ApiError ? undefined : 'the upload failed.');
    }
    if (generation !== this.generation) return;
    const url = new URL(location.href);
    url.searchParams.set('job', job.id);
    url.searchParams.set('file', file.name);
    history.replaceState(null, '', url);
    return this.follow(job.id, file.name, generation);
  }

  /** Follows a job (one just created, or named in the address) to its end, then shows its results. */
  async follow(id, fileName, generation = this.reset()) {
    const progress = $('#progress');
    const status = $('#status');
    progress.hidden = false;
    this.setWorking({ fileName, jobId: id });
    let job;
    try {
      job = await waitForJob(
        id,
        (j) => {
          if (j.state === 'queued') {
            progress.removeAttribute('value');
            status.textContent = `${fileName} is uploaded (${mb(j.bytes_received)}) and waits its turn to be scored…`;
            return;
          }
          const left = j.eta_seconds === null ? null : j.records_per_second * j.eta_seconds;
          if (left === null) progress.removeAttribute('value');
          else progress.value = j.records_read / Math.max(1, j.records_read + left);
          const eta = j.eta_seconds === null ? '' : `, about ${Math.ceil(j.eta_seconds)} s left`;
          status.textContent = `Scoring ${fileName}: ${n(j.records_read)} records read, ${n(Math.round(j.records_per_second))} records/s${eta}`;
        },
        () => generation === this.generation,
      );
    } catch (err) {
      if (generation !== this.generation) return;
      if (err instanceof ApiError && err.status === 404)
        return this.notScored(fileName, `job ${id} no longer exists: its results were removed (they are kept for a while, then deleted). Drop the file again.`, 'its job is gone.');
      return this.notScored(fileName, err.message, 'the service could not be reached. Reload the page to follow the job again.');
    }
    if (!job) return;
    this.setWorking(null);
    const format = LOG_FORMATS[job.log_format] ?? FORMAT_OF_JOB[job.format] ?? job.format;
    if (job.state === 'canceled') return this.notScored(fileName, `the job scoring ${fileName} was canceled`, 'its job was canceled.');
    if (job.state === 'failed') {
      const e = job.error ?? { message: 'the job failed' };
      let why = explain(fileName, format, e.message);
      if (why === `${fileName} (${format}): ${e.message}` && e.line) why = `${fileName} (${format}), ${format === 'JSON' ? 'record' : 'line'} ${e.line}: ${e.message}`;
      return this.notScored(fileName, why);
    }
    return this.showResults(job, fileName, generation);
  }

  /** One pass over the results for what the page keeps (bounded: see digest.js), then the table's first page. */
  async showResults(job, fileName, generation) {
    const status = $('#status');
    status.textContent = `Reading the results of ${fileName}…`;
    let toItem = null;
    let dataStart = null;
    let index = -1;
    const digest = new Digest(job.summary.top_sources);
    let model;
    try {
      model = await getModel();
      await scanResults(job.id, 0, (text, offset) => {
        if (generation !== this.generation) return false;
        if (!toItem) return void (toItem = itemReader(parseCsv(text).header));
        dataStart ??= offset;
        digest.add(toItem(text, ++index), offset);
      });
    } catch (err) {
      if (generation !== this.generation) return;
      return this.notScored(fileName, err instanceof ApiError ? err.message : `the results could not be read: ${err.message}`, 'its results could not be read. Reload the page to try again.');
    }
    if (generation !== this.generation) return;
    if (digest.count !== job.summary.count) {
      return this.notScored(
        fileName,
        `the results ended after ${n(digest.count)} of ${n(job.summary.count)} records: the service stopped sending them`,
        'the answer was cut short. Reload the page to read it again.',
      );
    }
    this.job = { id: job.id, fileName };
    showReport(digest, job.summary, model.anomaly_threshold);
    showSkipped(job, FORMAT_OF_JOB[job.format] ?? job.format);
    const version = job.model_version ?? model.version;
    $('#report-title').textContent =
      `Threat report: ${fileName}, ${n(job.summary.count)} sessions, scored ${(job.finished_at ?? new Date().toISOString()).slice(0, 16).replace('T', ' ')} UTC with model ${version}`;
    await this.table.load({ jobId: job.id, toItem, total: digest.count, pageStarts: digest.pageStarts, dataStart });
    $('#progress').hidden = true;
    const skipped = job.records_skipped > 0 ? ` (${n(job.records_skipped)} bad record${job.records_skipped === 1 ? '' : 's'} skipped)` : '';
    status.textContent = `${n(job.summary.count)} results${skipped} for ${fileName} with model ${version}.`;
  }

  /** The job's results as CSV: the file's columns plus the verdict's, in input order. */
  async download() {
    if (!this.job) return;
    try {
      const blob = await resultsBlob(this.job.id);
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `${this.job.fileName.replace(/\.(csv|ndjson|jsonl|json)(\.gz)?$/i, '')}-scored.csv`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
    } catch (err) {
      this.showError(`the results could not be downloaded: ${err.message}`);
    }
  }

  /** A job named in the address (?job=ID&file=NAME): a reload, or a link opened in another tab. */
  resume() {
    const params = new URLSearchParams(location.search);
    const id = params.get('job');
    if (!id) return;
    this.follow(id, params.get('file') || `job ${id}`);
  }
}
