using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace PfaAzureDevOps.Internal
{
    /// <summary>
    /// The base of every cmdlet: engine failures become ErrorRecords with stable ids, Ctrl+C cancels the
    /// running operation, and work that runs off the pipeline thread hands its Write* calls back to it.
    /// It names no engine type, so importing the module loads no engine assembly.
    /// </summary>
    public abstract class PfaCmdlet : PSCmdlet
    {
        private static int _unprotectedWarningShown;
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private BlockingCollection<Action>? _pipelineQueue;

        /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
        protected CancellationToken StopToken => _stopping.Token;

        protected override void StopProcessing()
        {
            _stopping.Cancel();
            _pipelineQueue?.CompleteAdding();
        }

        protected override void EndProcessing()
        {
            _stopping.Dispose();
        }

        protected sealed override void ProcessRecord()
        {
            try
            {
                ProcessRecordCore();
            }
            catch (PipelineStoppedException)
            {
                throw;
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
            catch (Exception ex) when (ErrorMapper.IsReportable(ex))
            {
                WriteError(ErrorMapper.ToErrorRecord(ex));
            }
        }

        protected abstract void ProcessRecordCore();

        /// <summary>
        /// Runs <paramref name="work"/> on a worker thread and pumps the Write* calls it queues (through
        /// <see cref="OnPipeline"/>) on this, the pipeline thread, until it ends. Ctrl+C cancels its token.
        /// </summary>
        protected T RunOffPipeline<T>(Func<CancellationToken, Task<T>> work)
        {
            using (var queue = new BlockingCollection<Action>())
            {
                _pipelineQueue = queue;
                Task<T> task = Task.Run(async () =>
                {
                    try
                    {
                        return await work(StopToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        queue.CompleteAdding();
                    }
                });

                try
                {
                    foreach (Action action in queue.GetConsumingEnumerable())
                    {
                        action();
                    }
                }
                finally
                {
                    _pipelineQueue = null;
                }

                if (StopToken.IsCancellationRequested && !task.IsCompleted)
                {
                    throw new PipelineStoppedException();
                }

                return task.GetAwaiter().GetResult();
            }
        }

        /// <summary>
        /// Runs blocking <paramref name="work"/> on a worker thread, calling <paramref name="tick"/> on the pipeline thread every
        /// <paramref name="interval"/> with the time elapsed so far (for WriteProgress), until it ends or Ctrl+C is pressed.
        /// Generic, so that no compiler-generated type of this assembly is closed over an engine type (loading this
        /// assembly's types must never load the engine).
        /// </summary>
        protected T RunOffPipelineWithTicks<T>(Func<CancellationToken, T> work, TimeSpan interval, Action<TimeSpan> tick)
        {
            return RunOffPipeline(async token =>
            {
                Task<T> task = Task.Run(() => work(token));
                System.Diagnostics.Stopwatch watch = System.Diagnostics.Stopwatch.StartNew();
                while (!task.IsCompleted && !token.IsCancellationRequested)
                {
                    TimeSpan elapsed = watch.Elapsed;
                    OnPipeline(() => tick(elapsed));
                    await Task.WhenAny(task, Task.Delay(interval)).ConfigureAwait(false);
                }

                return await task.ConfigureAwait(false);
            });
        }

        /// <summary>Runs an action on the pipeline thread: at once when called there, queued when called from a worker.</summary>
        protected void OnPipeline(Action action)
        {
            BlockingCollection<Action>? queue = _pipelineQueue;
            if (queue is null)
            {
                action();
                return;
            }

            try
            {
                queue.Add(action);
            }
            catch (InvalidOperationException)
            {
                // The pipeline stopped; the message is dropped with it.
            }
        }

        /// <summary>
        /// ShouldProcess for high-impact changes: -Force skips the confirmation prompt, -WhatIf still only describes.
        /// </summary>
        protected bool ConfirmOrForce(bool force, string target, string action)
        {
            bool whatIf = MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? value) && value is SwitchParameter s && s.IsPresent;
            if (force && !whatIf)
            {
                WriteVerbose($"{action} on {target} (-Force).");
                return true;
            }

            return ShouldProcess(target, action);
        }

        /// <summary>Tells the user once per process that secrets are kept in an owner-only file, not encrypted.</summary>
        protected void WarnIfSecretsUnprotected(bool isProtected, string description)
        {
            if (!isProtected && Interlocked.Exchange(ref _unprotectedWarningShown, 1) == 0)
            {
                WriteWarning($"No keyring or other protected storage is available in this session, so secrets are kept in {description}, in an owner-only folder. Run on a desktop session with a keyring (or Windows/macOS) to have them encrypted.");
            }
        }

        /// <summary>
        /// True when the user can be asked something: not -NonInteractive, input not redirected, and not a CI agent.
        /// Non-interactive sessions get a clear error instead of a prompt that would hang.
        /// </summary>
        protected bool IsInteractive()
        {
            if (Environment.GetEnvironmentVariable("CI") is string ci && ci.Length > 0 && !string.Equals(ci, "false", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            if (Environment.GetEnvironmentVariable("TF_BUILD") != null)
            {
                return false;
            }

            try
            {
                if (Console.IsInputRedirected)
                {
                    return false;
                }
            }
            catch (System.IO.IOException)
            {
                return false;
            }

            foreach (string argument in Environment.GetCommandLineArgs())
            {
                if (argument.StartsWith("-noni", StringComparison.OrdinalIgnoreCase) && "-noninteractive".StartsWith(argument, StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }
            }

            return Host?.UI != null && Host.Name != "Default Host" && Host.Name != "ServerRemoteHost";
        }
    }
}
