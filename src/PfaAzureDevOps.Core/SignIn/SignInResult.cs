using PfaAzureDevOps.Core.Connection;

namespace PfaAzureDevOps.Core.SignIn
{
    /// <summary>What a Connect did: the connection recorded (null: nothing was), and what is left for the caller to say.</summary>
    public sealed class SignInResult
    {
        public SignInResult(string provider, ConnectionDocument? connection)
        {
            Provider = provider;
            Connection = connection;
        }

        /// <summary>The name of the provider that ran.</summary>
        public string Provider { get; }

        public ConnectionDocument? Connection { get; internal set; }

        /// <summary>A token given with no application registered: recorded as given, never renewed.</summary>
        public bool WithoutApplication { get; internal set; }

        /// <summary>A person signed in (not a pipeline token, service principal or managed identity): they may be offered an SSH key.</summary>
        public bool IsPerson => Connection != null && (Connection.Flow is null || Connection.Flow == "Interactive" || Connection.Flow == "DeviceCode" || Connection.Flow == "AuthorizationCode");

        /// <summary>
        /// Connected, but the organization is not settled: several were found and nobody could choose. Reported as a
        /// non-terminating error after the success line (the connection is kept).
        /// </summary>
        public PfaException? OrganizationChoiceRequired { get; internal set; }
    }
}
