import { consentImportProvider } from '../consent/consent-import.js';
import { customFieldImportProvider } from '../custom-fields/custom-field-import.js';
import { registerImportTargetProvider } from './import-targets.js';

// The import's extra targets: custom fields and consent columns (each domain owns its rules).
registerImportTargetProvider(customFieldImportProvider);
registerImportTargetProvider(consentImportProvider);
