using System;
using System.Management.Automation;

namespace PfaAzureDevOps.Internal
{
    /// <summary>Turns engine exceptions into ErrorRecords with stable ids and categories.</summary>
    internal static class ErrorMapper
    {
        public static bool IsReportable(Exception ex) =>
            !(ex is OutOfMemoryException || ex is StackOverflowException);

        public static ErrorRecord ToErrorRecord(Exception ex)
        {
            if (ex is Core.PfaException pfa)
            {
                var record = new ErrorRecord(pfa, pfa.ErrorId, Category(pfa.Kind), pfa.Target);
                if (pfa.RecommendedAction != null)
                {
                    record.ErrorDetails = new ErrorDetails(pfa.Message) { RecommendedAction = pfa.RecommendedAction };
                }

                return record;
            }

            if (ex is ArgumentException)
            {
                return new ErrorRecord(ex, Core.Errors.ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, null);
            }

            return new ErrorRecord(ex, Core.Errors.ErrorIds.UnexpectedError, ErrorCategory.NotSpecified, null);
        }

        public static ErrorRecord Create(string errorId, ErrorCategory category, string message, object? target) =>
            new ErrorRecord(new InvalidOperationException(message), errorId, category, target);

        private static ErrorCategory Category(Core.PfaErrorKind kind)
        {
            switch (kind)
            {
                case Core.PfaErrorKind.InvalidArgument: return ErrorCategory.InvalidArgument;
                case Core.PfaErrorKind.InvalidData: return ErrorCategory.InvalidData;
                case Core.PfaErrorKind.NotFound: return ErrorCategory.ObjectNotFound;
                case Core.PfaErrorKind.AlreadyExists: return ErrorCategory.ResourceExists;
                case Core.PfaErrorKind.PermissionDenied: return ErrorCategory.PermissionDenied;
                case Core.PfaErrorKind.Authentication: return ErrorCategory.AuthenticationError;
                case Core.PfaErrorKind.ConnectionError: return ErrorCategory.ConnectionError;
                case Core.PfaErrorKind.OperationTimeout: return ErrorCategory.OperationTimeout;
                case Core.PfaErrorKind.ResourceUnavailable: return ErrorCategory.ResourceUnavailable;
                case Core.PfaErrorKind.InvalidOperation: return ErrorCategory.InvalidOperation;
                case Core.PfaErrorKind.ProtocolError: return ErrorCategory.ProtocolError;
                case Core.PfaErrorKind.SecurityError: return ErrorCategory.SecurityError;
                case Core.PfaErrorKind.OperationStopped: return ErrorCategory.OperationStopped;
                case Core.PfaErrorKind.LimitsExceeded: return ErrorCategory.LimitsExceeded;
                case Core.PfaErrorKind.NotInstalled: return ErrorCategory.NotInstalled;
                default: return ErrorCategory.NotSpecified;
            }
        }
    }
}
