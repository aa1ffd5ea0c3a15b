using System;

namespace PfaAzureDevOps.Core
{
    /// <summary>What kind of failure a <see cref="PfaException"/> is; the cmdlets map it to an ErrorCategory.</summary>
    public enum PfaErrorKind
    {
        InvalidArgument,
        InvalidData,
        NotFound,
        AlreadyExists,
        PermissionDenied,
        Authentication,
        ConnectionError,
        OperationTimeout,
        ResourceUnavailable,
        InvalidOperation,
        ProtocolError,
        SecurityError,
        OperationStopped,
        LimitsExceeded,
        NotInstalled,

        /// <summary>A failure nobody foresaw (UnexpectedError); the engine never throws it on purpose.</summary>
        NotSpecified,
    }

    /// <summary>
    /// Every failure the engine reports on purpose. <see cref="ErrorId"/> is stable (tests and scripts match it) and is
    /// one of <see cref="Errors.ErrorIds"/>, listed with its meaning in <see cref="Errors.ErrorCatalog"/>;
    /// the message says what happened and what to do, and never quotes a secret.
    /// </summary>
    public class PfaException : Exception
    {
        public PfaException(string errorId, PfaErrorKind kind, string message, object? target = null, Exception? innerException = null)
            : base(message, innerException)
        {
            ErrorId = errorId;
            Kind = kind;
            Target = target;
        }

        /// <summary>The stable identifier, used as the FullyQualifiedErrorId's first part.</summary>
        public string ErrorId { get; }

        public PfaErrorKind Kind { get; }

        /// <summary>What the error is about (a file, a URL, a name). Never a secret.</summary>
        public object? Target { get; }

        /// <summary>An optional, separate "what to do" line for ErrorDetails.RecommendedAction.</summary>
        public string? RecommendedAction { get; set; }

        /// <summary>Ids a support request needs (a server's trace and correlation ids); shown with -Verbose, never in the message.</summary>
        public string? SupportDetails { get; set; }
    }
}
