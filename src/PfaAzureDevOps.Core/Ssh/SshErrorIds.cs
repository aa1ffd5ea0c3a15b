namespace PfaAzureDevOps.Core.Ssh
{
    /// <summary>The stable error ids of <see cref="PfaException"/>s thrown by the SSH key code.</summary>
    public static class SshErrorIds
    {
        public const string KeyInvalidSize = "SshKeyInvalidSize";
        public const string KeyInvalidType = "SshKeyInvalidType";
        public const string KeyInvalidComment = "SshKeyInvalidComment";
        public const string PublicKeyMalformed = "SshPublicKeyMalformed";
        public const string PublicKeyIsPrivate = "SshPublicKeyIsPrivate";
        public const string PublicKeyUnsupportedType = "SshPublicKeyUnsupportedType";
        public const string PublicKeyFileNotFound = "SshPublicKeyFileNotFound";
        public const string PrivateKeyWrongPassphrase = "SshPrivateKeyWrongPassphrase";
        public const string PrivateKeyPassphraseRequired = "SshPrivateKeyPassphraseRequired";
        public const string PrivateKeyCorrupt = "SshPrivateKeyCorrupt";
        public const string PrivateKeyUnrecognized = "SshPrivateKeyUnrecognized";
        public const string PrivateKeyUnsupported = "SshPrivateKeyUnsupported";
        public const string PrivateKeyFileNotFound = "SshPrivateKeyFileNotFound";
    }
}
