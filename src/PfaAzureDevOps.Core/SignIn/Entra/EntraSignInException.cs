using System;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>
    /// A failed Entra ID sign-in or token request, already turned into what the user or admin must do. Carries what a
    /// caller needs to react: the AADSTS code, MSAL's error code, and the conditional-access claims to pass to the
    /// interactive retry (<see cref="Claims"/>).
    /// </summary>
    public sealed class EntraSignInException : PfaException
    {
        public EntraSignInException(string errorId, PfaErrorKind kind, string message, object? target = null, Exception? innerException = null)
            : base(errorId, kind, message, target, innerException)
        {
        }

        /// <summary>The AADSTS number of the service's answer (e.g. 50076), when it gave one.</summary>
        public int? AadstsCode { get; internal set; }

        /// <summary>MSAL's error code (invalid_grant, authorization_declined, ...).</summary>
        public string? MsalErrorCode { get; internal set; }

        /// <summary>The claims challenge (JSON) of a conditional-access or MFA answer; give it to the interactive retry.</summary>
        public string? Claims { get; internal set; }

        /// <summary>True when an interactive sign-in (browser or device code) would resolve it.</summary>
        public bool InteractionRequired { get; internal set; }

        /// <summary>The server's correlation ID, for the admin's sign-in logs.</summary>
        public string? CorrelationId { get; internal set; }

        /// <summary>The server's trace ID (Microsoft support asks for it with the correlation ID).</summary>
        public string? TraceId { get; internal set; }

        /// <summary>The server's timestamp of the failure, as it sent it.</summary>
        public string? ServerTimestamp { get; internal set; }

        internal string? SupportText()
        {
            var parts = new System.Collections.Generic.List<string>();
            if (TraceId != null)
            {
                parts.Add("Trace ID: " + TraceId);
            }

            if (CorrelationId != null)
            {
                parts.Add("Correlation ID: " + CorrelationId);
            }

            if (ServerTimestamp != null)
            {
                parts.Add("Timestamp: " + ServerTimestamp);
            }

            return parts.Count == 0 ? null : "Microsoft Entra ID " + string.Join(", ", parts);
        }
    }
}
