// The base of every cmdlet, in three files: this one (lifecycle, errors, -Debug), PfaCmdlet.Pipeline.cs (work off the
// pipeline thread, progress, output and format data) and PfaCmdlet.Confirmation.cs (ShouldProcess, who can be asked).
using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;

namespace PfaAzureDevOps.Internal
{
    /// <summary>
    /// The base of every cmdlet: engine failures become ErrorRecords with stable ids, Ctrl+C cancels the
    /// running operation, and work that runs off the pipeline thread hands its Write* calls back to it.
    /// It names no engine type, so importing the module loads no engine assembly.
    /// </summary>
    public abstract partial class PfaCmdlet : PSCmdlet
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
    }
}
