namespace PfaAzureDevOps.Core.Ssh
{
    /// <summary>The key types this module generates and reads.</summary>
    public enum SshKeyType
    {
        /// <summary><c>ssh-rsa</c>; the only type Azure DevOps accepts.</summary>
        Rsa,

        /// <summary><c>ssh-ed25519</c>.</summary>
        Ed25519,

        /// <summary><c>ecdsa-sha2-nistp256</c>.</summary>
        EcdsaP256,
    }
}
