using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace PfaAzureDevOps.Internal
{
    /// <summary>Work off the pipeline thread (Write* calls handed back to it), progress, output and the lazy format views.</summary>
    public abstract partial class PfaCmdlet
    {
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

        // The module's format views load when the first object of a module type is written in a runspace, not at
        // Import-Module: the first format data of a session makes PowerShell build its whole formatting database,
        // which a pipeline step that only gets a token (a SecureString) never needs. The views themselves stay in
        // PfaAzureDevOps.format.ps1xml.
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<System.Management.Automation.Runspaces.Runspace, object> FormatDataLoaded =
            new System.Runtime.CompilerServices.ConditionalWeakTable<System.Management.Automation.Runspaces.Runspace, object>();

        /// <summary>Cmdlet.WriteObject, loading the module's format views first when the object is one of the module's types.</summary>
        public new void WriteObject(object sendToPipeline)
        {
            if (sendToPipeline != null && sendToPipeline.GetType().Assembly == typeof(PfaCmdlet).Assembly)
            {
                EnsureFormatData();
            }

            base.WriteObject(sendToPipeline);
        }

        /// <summary>Cmdlet.WriteObject, loading the module's format views first when the objects may be of the module's types.</summary>
        public new void WriteObject(object sendToPipeline, bool enumerateCollection)
        {
            if (sendToPipeline != null && (enumerateCollection || sendToPipeline.GetType().Assembly == typeof(PfaCmdlet).Assembly))
            {
                EnsureFormatData();
            }

            base.WriteObject(sendToPipeline, enumerateCollection);
        }

        private void EnsureFormatData()
        {
            System.Management.Automation.Runspaces.Runspace? runspace = System.Management.Automation.Runspaces.Runspace.DefaultRunspace;
            if (runspace is null)
            {
                return;
            }

            lock (FormatDataLoaded)
            {
                if (FormatDataLoaded.TryGetValue(runspace, out _))
                {
                    return;
                }

                FormatDataLoaded.Add(runspace, true);
            }

            string path = System.IO.Path.Combine(ModuleInitializer.ModuleDirectory, "PfaAzureDevOps.format.ps1xml");
            if (!System.IO.File.Exists(path))
            {
                return;
            }

            try
            {
                InvokeCommand.InvokeScript("Microsoft.PowerShell.Utility\\Update-FormatData -AppendPath $args[0]", path);
            }
            catch (RuntimeException ex)
            {
                WriteVerbose($"The module's format views could not be loaded ({ex.Message}); objects are shown with the default formatting.");
            }
        }

        /// <summary>
        /// Runs network work off the pipeline thread with a progress line once it takes more than a second (what is being
        /// waited for, and for how long); Ctrl+C cancels it.
        /// </summary>
        protected T RunWithProgress<T>(string activity, string status, Func<CancellationToken, Task<T>> work) => RunWithProgress(activity, () => status, work);

        /// <summary><see cref="RunWithProgress{T}(string, string, Func{CancellationToken, Task{T}})"/> with a status the work may change as it goes (read at each tick).</summary>
        protected T RunWithProgress<T>(string activity, Func<string> status, Func<CancellationToken, Task<T>> work)
        {
            bool shown = false;
            T result = RunOffPipelineWithTicks(
                token => work(token).GetAwaiter().GetResult(),
                TimeSpan.FromMilliseconds(500),
                elapsed =>
                {
                    if (elapsed >= TimeSpan.FromSeconds(1))
                    {
                        shown = true;
                        WriteProgress(new ProgressRecord(7, activity, $"{status()} ({elapsed.TotalSeconds:0} s)"));
                    }
                });
            if (shown)
            {
                WriteProgress(new ProgressRecord(7, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }

            return result;
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
    }
}
