namespace PfaAzureDevOps.Core.Integration
{
    /// <summary>One check of Test-PfaAzureDevOpsIntegration: its name, result, what was found (and what to do), what was checked.</summary>
    public sealed class IntegrationCheck
    {
        public IntegrationCheck(string name, IntegrationResult result, string message, string? target = null, string? errorId = null)
        {
            Name = name;
            Result = result;
            Message = message;
            Target = target;
            ErrorId = errorId;
        }

        /// <summary>One of <see cref="IntegrationRules"/>' check names (AppRegistered ... CloneAccess).</summary>
        public string Name { get; }

        public IntegrationResult Result { get; }

        public string Message { get; }

        /// <summary>The organization (SshKeyRegistered) or repository URL (CloneAccess); otherwise null.</summary>
        public string? Target { get; }

        /// <summary>The stable error id behind a failure, when there is one (see <see cref="Errors.ErrorCatalog"/>).</summary>
        public string? ErrorId { get; }
    }
}
