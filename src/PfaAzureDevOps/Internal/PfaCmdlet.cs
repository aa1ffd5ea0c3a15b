// Over 450 lines: not yet split by responsibility. The split is the structure step (issue 12); see
// docs/ARCHITECTURE.md, "Known structural debt", for what goes where.
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

        /// <summary>
        /// -Debug asks for debug messages only. PowerShell also turns the warning and verbose preferences of a
        /// compiled cmdlet to Inquire under -Debug, so every warning would stop on "Continue with this operation?" (and
        /// fail where nobody can answer); built-in cmdlets write no warnings, so they never show it. Unless
        /// -WarningAction / -Verbose say otherwise, this keeps the session's own preferences for those two streams.
        /// </summary>
        protected override void BeginProcessing()
        {
            if (IsSwitchPresent("Debug"))
            {
                KeepSessionPreferencesUnderDebug();
            }
        }

        private void KeepSessionPreferencesUnderDebug()
        {
            object runtime = CommandRuntime;
            const System.Reflection.BindingFlags Flags = System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public;
            try
            {
                if (!MyInvocation.BoundParameters.ContainsKey("WarningAction"))
                {
                    ActionPreference warning = SessionPreference("WarningPreference", ActionPreference.Continue);
                    runtime.GetType().GetProperty("WarningPreference", Flags)?.SetValue(runtime, warning == ActionPreference.Inquire ? ActionPreference.Continue : warning);
                }

                if (!MyInvocation.BoundParameters.ContainsKey("Verbose"))
                {
                    System.Reflection.PropertyInfo? verbose = runtime.GetType().GetProperty("Verbose", Flags);
                    if (verbose != null && verbose.CanWrite)
                    {
                        bool show = SessionPreference("VerbosePreference", ActionPreference.SilentlyContinue) != ActionPreference.SilentlyContinue
                            && SessionPreference("VerbosePreference", ActionPreference.SilentlyContinue) != ActionPreference.Ignore;
                        verbose.SetValue(runtime, verbose.PropertyType == typeof(SwitchParameter) ? (object)new SwitchParameter(show) : show);
                    }
                }

                if (ModuleInitializer.IsNetFramework && !MyInvocation.BoundParameters.ContainsKey("DebugAction"))
                {
                    // Windows PowerShell 5.1 also makes -Debug inquire at each debug message.
                    runtime.GetType().GetProperty("DebugPreference", Flags)?.SetValue(runtime, ActionPreference.Continue);
                }
            }
            catch (Exception ex) when (ex is System.Reflection.TargetInvocationException || ex is ArgumentException || ex is MemberAccessException)
            {
                // Another PowerShell's runtime: its own -Debug behaviour stays.
            }
        }

        private ActionPreference SessionPreference(string variable, ActionPreference fallback)
        {
            object? value = GetVariableValue(variable);
            return value != null && LanguagePrimitives.TryConvertTo(value, out ActionPreference parsed) ? parsed : fallback;
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
                if (ex is Core.PfaException pfa && pfa.SupportDetails != null)
                {
                    WriteVerbose("For support: " + pfa.SupportDetails + ".");
                }

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
        protected T RunWithProgress<T>(string activity, string status, Func<CancellationToken, Task<T>> work)
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
                        WriteProgress(new ProgressRecord(7, activity, $"{status} ({elapsed.TotalSeconds:0} s)"));
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

        /// <summary>True when -WhatIf (or $WhatIfPreference) asks for a preview only.</summary>
        protected bool IsWhatIf
        {
            get
            {
                if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out object? value))
                {
                    return value is SwitchParameter s ? s.IsPresent : value is bool b && b;
                }

                return LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
            }
        }

        /// <summary>
        /// ShouldProcess for high-impact changes: -Force skips the confirmation prompt, -WhatIf still only describes.
        /// </summary>
        protected bool ConfirmOrForce(bool force, string target, string action)
        {
            if (force && !IsWhatIf)
            {
                WriteVerbose($"{action} on {target} (-Force).");
                return true;
            }

            GuardConfirmation(target, action, forceSkipsConfirmation: true);
            return base.ShouldProcess(target, action);
        }

        // The one confirmation rule of the module. Every cmdlet derives from this class, and these hide Cmdlet's own
        // ShouldProcess overloads, so a new cmdlet gets the rule without doing anything: where ShouldProcess would
        // prompt and nobody can answer (see NonInteractiveReason), it fails at once with ConfirmationRequired instead
        // of prompting, hanging on an open pipe or failing inside the host. -WhatIf still previews everywhere.

        /// <summary>Cmdlet.ShouldProcess under the module's confirmation rule.</summary>
        public new bool ShouldProcess(string target)
        {
            GuardConfirmation(target, MyInvocation.MyCommand.Name, forceSkipsConfirmation: false);
            return base.ShouldProcess(target);
        }

        /// <summary>Cmdlet.ShouldProcess under the module's confirmation rule.</summary>
        public new bool ShouldProcess(string target, string action)
        {
            GuardConfirmation(target, action, forceSkipsConfirmation: false);
            return base.ShouldProcess(target, action);
        }

        /// <summary>Cmdlet.ShouldProcess under the module's confirmation rule.</summary>
        public new bool ShouldProcess(string verboseDescription, string verboseWarning, string caption)
        {
            GuardConfirmation(null, verboseDescription, forceSkipsConfirmation: false);
            return base.ShouldProcess(verboseDescription, verboseWarning, caption);
        }

        /// <summary>Cmdlet.ShouldProcess under the module's confirmation rule.</summary>
        public new bool ShouldProcess(string verboseDescription, string verboseWarning, string caption, out ShouldProcessReason shouldProcessReason)
        {
            GuardConfirmation(null, verboseDescription, forceSkipsConfirmation: false);
            return base.ShouldProcess(verboseDescription, verboseWarning, caption, out shouldProcessReason);
        }

        /// <summary>Cmdlet.ShouldContinue, which always asks: refused at once where nobody can answer.</summary>
        public new bool ShouldContinue(string query, string caption)
        {
            string? reason = NonInteractiveReason();
            if (reason != null)
            {
                ThrowConfirmationRequired(null, query, reason, forceSkipsConfirmation: HasForceParameter);
            }

            return base.ShouldContinue(query, caption);
        }

        /// <summary>
        /// Whether ShouldProcess would ask: -Confirm, or the cmdlet's ConfirmImpact at or above $ConfirmPreference
        /// (on Windows PowerShell 5.1, -Debug without -Confirm:$false also lowers the threshold to Low). Never with -WhatIf.
        /// </summary>
        protected bool WouldPromptForConfirmation()
        {
            if (IsWhatIf)
            {
                return false;
            }

            if (MyInvocation.BoundParameters.TryGetValue("Confirm", out object? confirm))
            {
                return confirm is SwitchParameter s ? s.IsPresent : confirm is bool b && b;
            }

            ConfirmImpact threshold = ConfirmImpact.High;
            object? preference = GetVariableValue("ConfirmPreference");
            if (preference != null && LanguagePrimitives.TryConvertTo(preference, out ConfirmImpact parsed))
            {
                threshold = parsed;
            }

            if (ModuleInitializer.IsNetFramework && IsSwitchPresent("Debug"))
            {
                threshold = ConfirmImpact.Low;
            }

            if (threshold == ConfirmImpact.None)
            {
                return false;
            }

            ConfirmImpact impact = ConfirmImpact.Medium;
            foreach (object attribute in GetType().GetCustomAttributes(typeof(CmdletAttribute), true))
            {
                impact = ((CmdletAttribute)attribute).ConfirmImpact;
            }

            return impact != ConfirmImpact.None && impact >= threshold;
        }

        private bool HasForceParameter => MyInvocation.MyCommand?.Parameters?.ContainsKey("Force") == true;

        private void GuardConfirmation(string? target, string action, bool forceSkipsConfirmation)
        {
            if (!WouldPromptForConfirmation())
            {
                return;
            }

            string? reason = NonInteractiveReason();
            if (reason != null)
            {
                ThrowConfirmationRequired(target, action, reason, forceSkipsConfirmation);
            }
        }

        private void ThrowConfirmationRequired(string? target, string action, string reason, bool forceSkipsConfirmation)
        {
            string name = MyInvocation.MyCommand?.Name ?? GetType().Name;
            string how = forceSkipsConfirmation
                ? "To go ahead without asking, add -Force (or -Confirm:$false)"
                : "To go ahead without asking, add -Confirm:$false";
            string message = $"{name} asks for confirmation first, and nobody can answer in this session ({reason}). {how}; to see what it would do, add -WhatIf. Nothing was changed. The operation: {action}{(target != null ? " (" + target + ")" : string.Empty)}.";
            var record = new ErrorRecord(new InvalidOperationException(message), "ConfirmationRequired", ErrorCategory.InvalidOperation, target);
            record.ErrorDetails = new ErrorDetails(message) { RecommendedAction = how + "." };
            ThrowTerminatingError(record);
        }

        private bool IsSwitchPresent(string name) =>
            MyInvocation.BoundParameters.TryGetValue(name, out object? value) && (value is SwitchParameter s ? s.IsPresent : value is bool b && b);

        /// <summary>Tells the user once per process that secrets are kept in an owner-only file, not encrypted.</summary>
        protected void WarnIfSecretsUnprotected(bool isProtected)
        {
            if (!isProtected && Interlocked.Exchange(ref _unprotectedWarningShown, 1) == 0)
            {
                WriteWarning("No keyring or other protected storage is available in this session, so secrets are kept unencrypted in owner-only files in an owner-only folder. To have them encrypted, use a session with a keyring (a Linux desktop session, Windows or macOS).");
            }
        }

        /// <summary>
        /// True when the user can be asked something: not -NonInteractive, input not redirected, and not a CI agent.
        /// Non-interactive sessions get a clear error instead of a prompt that would hang.
        /// </summary>
        protected bool IsInteractive() => NonInteractiveReason() is null;

        /// <summary>Why nobody can be asked anything in this session (null when someone can).</summary>
        protected string? NonInteractiveReason()
        {
            if (Environment.GetEnvironmentVariable("CI") is string ci && ci.Length > 0 && !string.Equals(ci, "false", StringComparison.OrdinalIgnoreCase))
            {
                return "CI is set";
            }

            if (Environment.GetEnvironmentVariable("TF_BUILD") != null)
            {
                return "TF_BUILD is set";
            }

            try
            {
                if (Console.IsInputRedirected)
                {
                    return "standard input is redirected";
                }
            }
            catch (System.IO.IOException)
            {
                return "standard input cannot be read";
            }

            foreach (string argument in Environment.GetCommandLineArgs())
            {
                if (argument.StartsWith("-noni", StringComparison.OrdinalIgnoreCase) && "-noninteractive".StartsWith(argument, StringComparison.OrdinalIgnoreCase))
                {
                    return "-NonInteractive";
                }
            }

            if (Host?.UI is null || Host.Name == "Default Host" || Host.Name == "ServerRemoteHost")
            {
                return "the host cannot prompt";
            }

            return null;
        }
    }
}
