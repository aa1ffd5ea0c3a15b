using System;
using System.Management.Automation;

namespace PfaAzureDevOps.Internal
{
    /// <summary>Turns text into a Guid, or fails binding with a message that says what a client ID looks like.</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class GuidTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            if (value is Guid)
            {
                return value;
            }

            string text = value?.ToString()?.Trim() ?? string.Empty;
            if (Guid.TryParse(text, out Guid guid))
            {
                return guid;
            }

            throw new ArgumentTransformationMetadataException(
                $"'{text}' is not an application (client) ID. It is a GUID such as 6f1e5b1c-2d3e-4f50-8a9b-0c1d2e3f4a5b: copy the App ID from the application's page.");
        }
    }
}
