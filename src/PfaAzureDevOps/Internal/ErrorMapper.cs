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

        /// <summary>
        /// The category the engine's catalog names for <paramref name="kind"/> (<see cref="Core.Errors.ErrorCatalog.CategoryName"/>,
        /// the one kind-to-category table, which the about topic also shows): the cmdlets only turn the name into the enum.
        /// </summary>
        internal static ErrorCategory Category(Core.PfaErrorKind kind) =>
            Enum.TryParse(Core.Errors.ErrorCatalog.CategoryName(kind), out ErrorCategory category) ? category : ErrorCategory.NotSpecified;
    }
}
