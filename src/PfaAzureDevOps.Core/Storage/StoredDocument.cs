using System;

namespace PfaAzureDevOps.Core.Storage
{
    /// <summary>The envelope every state document shares.</summary>
    public abstract class StoredDocument
    {
        public string Kind { get; set; } = string.Empty;

        public int SchemaVersion { get; set; }

        /// <summary>Throws <see cref="FormatException"/> when a field that must be present or well formed is not.</summary>
        public virtual void Validate()
        {
        }
    }
}
