export { AnnotatePage } from './AnnotatePage';
