using System;

namespace PfaAzureDevOps.Core.Storage
{
    /// <summary>Checks shared by the documents' Validate methods (a stored document is input like any other).</summary>
    public static class StoredRules
    {
        /// <summary>Throws <see cref="FormatException"/> unless <paramref name="name"/> is a plain secret name inside the store.</summary>
        public static void RequireSecretName(string? name, string what)
        {
            if (!SecretVault.IsValidName(name))
            {
                throw new FormatException($"the name of its {what} secret is not a plain name inside the store's secrets folder");
            }
        }
    }
}
