using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;

namespace PfaAzureDevOps.Internal
{
    /// <summary>The confirmation rule (ShouldProcess where nobody can answer fails with ConfirmationRequired) and who can be asked anything.</summary>
    public abstract partial class PfaCmdlet
    {
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
            var record = new ErrorRecord(new InvalidOperationException(message), Core.Errors.ErrorIds.ConfirmationRequired, ErrorCategory.InvalidOperation, target);
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
